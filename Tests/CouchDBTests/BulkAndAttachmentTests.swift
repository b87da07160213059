@testable import CouchDB
import JSON
import Testing
import TestSupport

@Suite("Bulk documents, _all_docs and attachments (live)")
struct BulkAndAttachmentTests {
    @Test("_bulk_docs gives one result per document: saved or rejected")
    func bulkResults() async throws {
        try await withDatabase { db, _ in
            let existing = try await db.put(["_id": "taken", "v": 0])
            let results = try await db.bulkDocs([
                ["_id": "a", "v": 1],
                ["_id": "taken", "v": 2],
                ["v": 3],
                ["_id": "taken", "_rev": .string(existing.rev), "v": 4],
            ])
            #expect(results.count == 4)
            #expect(results[0].id == "a")
            #expect(results[0].rev?.hasPrefix("1-") == true)
            #expect(results[1].id == "taken")
            #expect(results[1].outcome == .rejected(error: "conflict", reason: "Document update conflict."))
            #expect(results[1].error?.code == .conflict)
            #expect(results[2].ok)
            #expect(results[2].id?.count == 32)
            #expect(results[3].rev?.hasPrefix("2-") == true)
            #expect(try results[3].get().durable)
            #expect(throws: CouchError.self) { try results[1].get() }
        }
    }

    @Test("_all_docs: ranges, keys, include_docs, limit, skip, descending, deleted and missing keys")
    func allDocs() async throws {
        try await withDatabase { db, _ in
            let ids = ["b", "a", "d", "c", "e"]
            _ = try await db.bulkDocs(ids.map { ["_id": .string($0), "letter": .string($0)] })
            let doomed = try await db.put(["_id": "x-deleted", "gone": true])
            _ = try await db.delete("x-deleted", rev: doomed.rev)

            let all = try await db.allDocs()
            #expect(all.rows.map(\.id) == ["a", "b", "c", "d", "e"])
            #expect(all.totalRows == 5)
            #expect(all.offset == 0)
            #expect(all.rows.allSatisfy { $0.rev?.hasPrefix("1-") == true && $0.doc == nil })

            let range = try await db.allDocs(AllDocsQuery(startKey: "b", endKey: "d", inclusiveEnd: false, includeDocs: true))
            #expect(range.rows.map(\.key) == ["b", "c"])
            #expect(range.rows.map { $0.doc?["letter"]?.stringValue } == ["b", "c"])

            let paged = try await db.allDocs(AllDocsQuery(limit: 2, skip: 1, descending: true))
            #expect(paged.rows.map(\.key) == ["d", "c"])
            #expect(paged.offset == 1)

            let keyed = try await db.allDocs(AllDocsQuery(keys: ["e", "missing", "x-deleted", "a"], includeDocs: true))
            #expect(keyed.rows.map(\.key) == ["e", "missing", "x-deleted", "a"])
            #expect(keyed.rows[0].doc?["letter"] == "e")
            #expect(keyed.rows[1].error == "not_found")
            #expect(keyed.rows[1].id == nil)
            #expect(keyed.rows[2].deleted)
            #expect(keyed.rows[2].doc == nil)
            #expect(keyed.offset == nil)

            let prefixed = try await db.allDocs(.prefix("x"))
            #expect(prefixed.rows.isEmpty)
            _ = try await db.bulkDocs([["_id": "job:1", "k": 1], ["_id": "job:2😀", "k": 2], ["_id": "job;", "k": 3]])
            let jobs = try await db.allDocs(.prefix("job:"))
            #expect(jobs.rows.map(\.key) == ["job:1", "job:2😀"])
        }
    }

    @Test("standalone attachments: put, get, stub, delete; a wrong rev is 409")
    func standaloneAttachments() async throws {
        try await withDatabase { db, _ in
            let bytes: [UInt8] = Array(0...255) + Array("hello".utf8)
            let first = try await db.putAttachment("holder", name: "data.bin", rev: nil, data: bytes, contentType: "application/octet-stream")
            #expect(first.rev.hasPrefix("1-"))
            let text = try await db.putAttachment("holder", name: "notes/readme.txt", rev: first.rev, data: Array("hi there".utf8), contentType: "text/plain")

            let fetched = try await db.attachment("holder", name: "data.bin")
            #expect(fetched.data == bytes)
            #expect(fetched.contentType == "application/octet-stream")
            #expect(try await db.attachment("holder", name: "notes/readme.txt").data == Array("hi there".utf8))

            let doc = try await db.get("holder")
            #expect(doc["_attachments"]?["data.bin"]?["stub"] == true)
            #expect(doc["_attachments"]?["data.bin"]?["length"] == .int(bytes.count))

            let stale = await #expect(throws: CouchError.self) {
                try await db.putAttachment("holder", name: "x.txt", rev: first.rev, data: [1], contentType: "text/plain")
            }
            #expect(stale?.code == .conflict)

            let removed = try await db.deleteAttachment("holder", name: "data.bin", rev: text.rev)
            #expect(removed.rev.hasPrefix("3-"))
            let missing = await #expect(throws: CouchError.self) { try await db.attachment("holder", name: "data.bin") }
            #expect(missing?.code == .notFound)
        }
    }

    @Test("inline base64 attachments round-trip")
    func inlineAttachments() async throws {
        try await withDatabase { db, _ in
            var doc: JSONValue = ["_id": "inline", "type": "with-file"]
            let content = Array("line one\nline two\n".utf8)
            InlineAttachment.attach(content, named: "log.txt", contentType: "text/plain", to: &doc)
            _ = try await db.put(doc)

            let read = try await db.get("inline", options: DocumentOptions(attachments: true))
            #expect(InlineAttachment.data(named: "log.txt", in: read) == content)
            #expect(try await db.attachment("inline", name: "log.txt").data == content)
        }
    }
}
