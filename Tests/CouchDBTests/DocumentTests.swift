@testable import CouchDB
import JSON
import Testing
import TestSupport

@Suite("Documents (live)")
struct DocumentTests {
    @Test("put, get, update with body _rev and with If-Match, head, delete, re-create")
    func crud() async throws {
        try await withDatabase { db, _ in
            let created = try await db.put(["_id": "doc", "type": "sample", "n": 1])
            #expect(created.id == "doc")
            #expect(created.rev.hasPrefix("1-"))
            #expect(created.durable)

            var doc = try await db.get("doc")
            #expect(doc["_rev"]?.stringValue == created.rev)
            #expect(doc["n"] == 1)
            #expect(try await db.headRevision("doc") == created.rev)

            doc["n"] = 2
            let second = try await db.put(doc)
            #expect(second.rev.hasPrefix("2-"))

            let third = try await db.put(id: "doc", ["type": "sample", "n": 3], rev: second.rev)
            #expect(third.rev.hasPrefix("3-"))
            #expect(try await db.get("doc")["n"] == 3)

            let deleted = try await db.delete("doc", rev: third.rev)
            #expect(deleted.rev.hasPrefix("4-"))
            #expect(try await db.headRevision("doc") == nil)
            #expect(try await db.getIfExists("doc") == nil)
            let gone = await #expect(throws: CouchError.self) { try await db.get("doc") }
            #expect(gone?.code == .notFound)
            #expect(gone?.reason == "deleted")

            let again = try await db.put(["_id": "doc", "type": "sample", "n": 5])
            #expect(again.rev.hasPrefix("5-"))
        }
    }

    @Test("409 on a stale or missing rev, 400 on a bad rev or a bad member, 404 on a missing doc")
    func errorMapping() async throws {
        try await withDatabase { db, _ in
            let first = try await db.put(["_id": "doc", "n": 1])
            _ = try await db.put(["_id": "doc", "_rev": .string(first.rev), "n": 2])

            let stale = await #expect(throws: CouchError.self) { try await db.put(["_id": "doc", "_rev": .string(first.rev), "n": 3]) }
            #expect(stale?.code == .conflict)
            #expect(stale?.error == "conflict")
            #expect(stale?.reason == "Document update conflict.")
            let missingRev = await #expect(throws: CouchError.self) { try await db.put(["_id": "doc", "n": 4]) }
            #expect(missingRev?.code == .conflict)
            let staleDelete = await #expect(throws: CouchError.self) { try await db.delete("doc", rev: first.rev) }
            #expect(staleDelete?.code == .conflict)

            let badRev = await #expect(throws: CouchError.self) { try await db.put(["_id": "doc"], rev: "bogus") }
            #expect(badRev?.code == .badRequest)
            #expect(badRev?.reason == "Invalid rev format")
            let badMember = await #expect(throws: CouchError.self) { try await db.put(["_id": "other", "_foo": 1]) }
            #expect(badMember?.code == .badRequest)
            #expect(badMember?.error == "doc_validation")

            let missing = await #expect(throws: CouchError.self) { try await db.get("nope") }
            #expect(missing?.code == .notFound)
            #expect(missing?.error == "not_found")
            #expect(missing?.reason == "missing")
            #expect(missing?.path == "/\(db.name)/nope")

            let noID = await #expect(throws: CouchError.self) { try await db.put(["n": 1]) }
            #expect(noID?.code == .invalidArgument)
        }
    }

    @Test("POST creates a document with a server-generated id")
    func postWithServerID() async throws {
        try await withDatabase { db, _ in
            let result = try await db.post(["type": "auto"])
            #expect(result.id.count == 32)
            #expect(result.rev.hasPrefix("1-"))
            #expect(try await db.get(result.id)["type"] == "auto")
        }
    }

    @Test("ids with slashes, spaces, plus signs and non-ASCII round-trip; design docs keep _design/")
    func awkwardIDs() async throws {
        try await withDatabase { db, _ in
            for id in ["a/b", "with space", "plus+sign", "q?uery#frag", "é ü 😀", "job:mod:0000000001", "100%"] {
                let written = try await db.put(["_id": .string(id), "id": .string(id)])
                #expect(written.id == id)
                #expect(try await db.get(id)["_id"]?.stringValue == id)
                #expect(try await db.headRevision(id) == written.rev)
            }
            let map = "function (doc) { if (doc.type) { emit(doc.type, null); } }"
            let ddoc = try await db.putDesignDocument("sample", ["language": "javascript", "views": ["by_type": ["map": .string(map)]]])
            #expect(ddoc.id == "_design/sample")
            let read = try #require(try await db.designDocument("sample"))
            #expect(read["views"]?["by_type"]?["map"]?.stringValue == map)
            #expect(try await db.designDocument("_design/nothing") == nil)
        }
    }

    @Test("revs, revs_info, conflicts and a specific rev")
    func revisionOptions() async throws {
        try await withDatabase { db, _ in
            let one = try await db.put(["_id": "doc", "v": 1])
            let two = try await db.put(["_id": "doc", "_rev": .string(one.rev), "v": 2])

            let withRevs = try await db.get("doc", options: DocumentOptions(revs: true))
            #expect(withRevs["_revisions"]?["start"] == 2)
            #expect(withRevs["_revisions"]?["ids"]?.arrayValue?.count == 2)

            let withInfo = try await db.get("doc", options: DocumentOptions(revsInfo: true))
            let info = try #require(withInfo["_revs_info"]?.arrayValue)
            #expect(info.map { $0["rev"]?.stringValue } == [two.rev, one.rev])
            #expect(info.first?["status"] == "available")

            let old = try await db.get("doc", options: DocumentOptions(rev: one.rev))
            #expect(old["v"] == 1)

            // A second branch written as replication would: a conflict.
            let branch = "2-" + String(repeating: "f", count: 32)
            let results = try await db.bulkDocs(
                [["_id": "doc", "_rev": .string(branch), "v": 3,
                  "_revisions": ["start": 2, "ids": [.string(String(repeating: "f", count: 32)), .string(String(one.rev.dropFirst(2)))]]]],
                newEdits: false)
            #expect(results.allSatisfy { $0.error == nil })
            let withConflicts = try await db.get("doc", options: DocumentOptions(conflicts: true))
            let conflictValues = try #require(withConflicts["_conflicts"]?.arrayValue)
            let conflicts = conflictValues.compactMap { $0.stringValue }
            #expect(conflicts.count == 1)
            #expect(Set(conflicts + [withConflicts["_rev"]?.stringValue ?? ""]) == Set([two.rev, branch]))

            let leaves = try await db.changesOnce(ChangesQuery(style: .allDocs))
            #expect(Set(try #require(leaves.results.first).revs) == Set([two.rev, branch]))
            let winnerOnly = try await db.changesOnce(ChangesQuery())
            #expect(winnerOnly.results.first?.revs == [withConflicts["_rev"]?.stringValue ?? ""])
        }
    }

    @Test("big integers and floats come back exactly as CouchDB writes them")
    func exactNumbers() async throws {
        try await withDatabase { db, _ in
            let texts = ["123456789012345678901234567890", "-98765432109876543210", "9223372036854775807",
                         "18446744073709551616", "0", "1.0", "2.50", "1e20", "1e21", "1.5e300", "0.000001", "-0.0"]
            var document: JSONValue = ["_id": "numbers"]
            for (index, text) in texts.enumerated() {
                document["n\(index)"] = .number(JSONNumber(uncheckedText: text))
            }
            _ = try await db.put(document)
            let read = try await db.get("numbers")
            for (index, text) in texts.enumerated() {
                let expected = try #require(CouchNumberFormat.canonical(JSONNumber(uncheckedText: text)))
                #expect(read["n\(index)"]?.numberValue?.text == expected.text, "n\(index) = \(text)")
            }
            #expect(read["n0"]?.numberValue?.text == "123456789012345678901234567890")
        }
    }

    struct Job: Codable, Equatable {
        var _id: String
        var _rev: String?
        var type: String
        var run: Int
        var modules: [String]
    }

    @Test("Codable documents through put(encoding:) and get(as:)")
    func codable() async throws {
        try await withDatabase { db, _ in
            let job = Job(_id: "job:a:0000000042", _rev: nil, type: "job", run: 42, modules: ["a", "b"])
            let written = try await db.put(encoding: job)
            let read = try await db.get(job._id, as: Job.self)
            #expect(read == Job(_id: job._id, _rev: written.rev, type: "job", run: 42, modules: ["a", "b"]))

            let wrong = await #expect(throws: CouchError.self) { try await db.get(job._id, as: [String].self) }
            #expect(wrong?.code == .decoding)
        }
    }
}
