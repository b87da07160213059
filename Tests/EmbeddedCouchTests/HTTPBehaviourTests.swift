import Foundation
import JSON
import Testing
import TestSupport

/// HTTP behaviour over a real loopback connection; the same tests pass against Apache CouchDB
/// when `GASP_TEST_COUCHDB_URL` is set.
@Suite("EmbeddedCouch over HTTP")
struct HTTPBehaviourTests {
    private func withDatabase(_ body: @Sendable (HTTPTestClient, String) async throws -> Void) async throws {
        try await withTestCouch { couch in
            let client = HTTPTestClient(couch: couch)
            let db = couch.uniqueDatabaseName()
            #expect(try await client.send(.PUT, "/\(db)?q=1").status == 201)
            do {
                try await body(client, db)
            } catch {
                _ = try? await client.send(.DELETE, "/\(db)")
                throw error
            }
            _ = try await client.send(.DELETE, "/\(db)")
        }
    }

    @Test func documentLifecycle() async throws {
        try await withDatabase { client, db in
            let created = try await client.send(.PUT, "/\(db)/doc", json: ["v": 1])
            #expect(created.status == 201)
            let rev1 = try #require(created.json?["rev"]?.stringValue)
            #expect(created.headers.first(name: "ETag") == "\"\(rev1)\"")

            #expect(try await client.send(.PUT, "/\(db)/doc", json: ["v": 2]).status == 409)
            let updated = try await client.send(.PUT, "/\(db)/doc", json: ["_rev": .string(rev1), "v": 2])
            #expect(updated.status == 201)
            let rev2 = try #require(updated.json?["rev"]?.stringValue)
            #expect(rev2.hasPrefix("2-"))

            let fetched = try await client.send(.GET, "/\(db)/doc?revs=true")
            #expect(fetched.json?["v"]?.intValue == 2)
            #expect(fetched.json?["_revisions"]?["ids"]?.arrayValue?.count == 2)

            let deleted = try await client.send(.DELETE, "/\(db)/doc?rev=\(rev2)")
            #expect(deleted.status == 200)
            let gone = try await client.send(.GET, "/\(db)/doc")
            #expect(gone.status == 404)
            #expect(gone.json?["reason"]?.stringValue == "deleted")

            let recreated = try await client.send(.PUT, "/\(db)/doc", json: ["v": 3])
            #expect(recreated.json?["rev"]?.stringValue?.hasPrefix("4-") == true)
        }
    }

    @Test func idsWithEncodedSlashesAreOneSegment() async throws {
        try await withDatabase { client, db in
            #expect(try await client.send(.PUT, "/\(db)/a%2Fb", json: ["x": 1]).status == 201)
            let fetched = try await client.send(.GET, "/\(db)/a%2Fb")
            #expect(fetched.json?["_id"]?.stringValue == "a/b")
            let design = try await client.send(.PUT, "/\(db)/_design/app", json: ["views": [:]])
            #expect(design.status == 201)
            // CouchDB redirects `_design%2Fapp` to `_design/app`; the client follows it.
            let redirected = try await client.send(.GET, "/\(db)/_design%2Fapp")
            #expect(redirected.status == 200)
            #expect(redirected.json?["_id"]?.stringValue == "_design/app")
        }
    }

    @Test func malformedBodiesAndContentTypes() async throws {
        try await withDatabase { client, db in
            let bad = try await client.send(.PUT, "/\(db)/x", raw: Array("{\"a\":".utf8), headers: [("Content-Type", "application/json")])
            #expect(bad.status == 400)
            #expect(bad.json?["reason"]?.stringValue == "invalid UTF-8 JSON")
            let array = try await client.send(.PUT, "/\(db)/x", raw: Array("[1]".utf8), headers: [("Content-Type", "application/json")])
            #expect(array.json?["reason"]?.stringValue == "Document must be a JSON object")
            let text = try await client.send(.POST, "/\(db)/_bulk_docs", raw: Array("{\"docs\":[]}".utf8), headers: [("Content-Type", "text/plain")])
            #expect(text.status == 415)
            let method = try await client.send(.PATCH, "/\(db)/x", json: [:])
            #expect(method.status == 405)
            #expect(method.headers.first(name: "Allow") != nil)
        }
    }

    @Test func bulkDocsGivesOneResultPerDocument() async throws {
        try await withDatabase { client, db in
            let reply = try await client.send(.POST, "/\(db)/_bulk_docs", json: ["docs": [["_id": "a", "n": 1], ["_id": "a", "n": 2], ["n": 3]]])
            #expect(reply.status == 201)
            let results = try #require(reply.json?.arrayValue)
            #expect(results.count == 3)
            #expect(results[0]["ok"]?.boolValue == true)
            #expect(results[1]["error"]?.stringValue == "conflict")
            #expect(results[2]["id"]?.stringValue?.count == 32)
            let all = try await client.send(.GET, "/\(db)/_all_docs?include_docs=true")
            #expect(all.json?["total_rows"]?.intValue == 2)
        }
    }

    @Test func longpollReturnsWhenADocumentIsWritten() async throws {
        try await withDatabase { client, db in
            let now = try #require(try await client.send(.GET, "/\(db)/_changes").json?["last_seq"]?.stringValue)
            async let feed = client.send(.GET, "/\(db)/_changes?feed=longpoll&timeout=30000&since=\(now.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? now)")
            // Write until the feed has seen a change (the feed may start after the first write).
            let clock = ContinuousClock()
            let began = clock.now
            _ = try await client.send(.PUT, "/\(db)/wake", json: ["x": 1])
            let reply = try await feed
            #expect(reply.status == 200)
            #expect(reply.json?["results"]?.arrayValue?.first?["id"]?.stringValue == "wake")
            #expect(clock.now - began < .seconds(20))
        }
    }

    @Test func copyMakesANewDocumentWithTheSameContent() async throws {
        try await withDatabase { client, db in
            let source = try await client.send(.PUT, "/\(db)/src", json: [
                "v": 1, "_attachments": ["a.txt": ["content_type": "text/plain", "data": "aGVsbG8="]],
            ])
            #expect(source.status == 201)
            let copied = try await client.send(.COPY, "/\(db)/src", headers: [("Destination", "dst")])
            #expect(copied.status == 201)
            let target = try await client.send(.GET, "/\(db)/dst")
            #expect(target.json?["v"]?.intValue == 1)
            let attachment = try await client.send(.GET, "/\(db)/dst/a.txt")
            #expect(String(decoding: attachment.body, as: UTF8.self) == "hello")
            #expect(try await client.send(.COPY, "/\(db)/src", headers: [("Destination", "dst")]).status == 409)
        }
    }

    @Test func continuousFeedStreamsLinesAndEnds() async throws {
        try await withDatabase { client, db in
            _ = try await client.send(.POST, "/\(db)/_bulk_docs", json: ["docs": [["_id": "one", "n": 1], ["_id": "two", "n": 2]]])
            let reply = try await client.send(.GET, "/\(db)/_changes?feed=continuous&timeout=300")
            #expect(reply.status == 200)
            let lines = String(decoding: reply.body, as: UTF8.self).split(separator: "\n").compactMap { try? JSONParser.parse(String($0)) }
            #expect(lines.compactMap { $0["id"]?.stringValue } == ["one", "two"])
            #expect(lines.last?["last_seq"] != nil)
        }
    }

    @Test func longpollWithHeartbeatSendsNewlinesThenTheChanges() async throws {
        try await withDatabase { client, db in
            let now = try #require(try await client.send(.GET, "/\(db)/_changes").json?["last_seq"]?.stringValue)
            let since = now.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? now
            async let feed = client.send(.GET, "/\(db)/_changes?feed=longpoll&heartbeat=100&since=\(since)")
            // Whether or not heartbeats went out first, the body parses as the changes.
            _ = try await client.send(.PUT, "/\(db)/beat", json: ["x": 1])
            let reply = try await feed
            #expect(reply.status == 200)
            #expect(reply.json?["results"]?[0]?["id"]?.stringValue == "beat")
        }
    }

    @Test func attachmentsInlineStandaloneAndStubs() async throws {
        try await withDatabase { client, db in
            let created = try await client.send(.PUT, "/\(db)/doc", json: [
                "_attachments": ["a.txt": ["content_type": "text/plain", "data": "YXR0YWNobWVudCBh"]],
            ])
            let rev1 = try #require(created.json?["rev"]?.stringValue)
            let stub = try await client.send(.GET, "/\(db)/doc")
            #expect(stub.json?["_attachments"]?["a.txt"]?["stub"]?.boolValue == true)
            #expect(stub.json?["_attachments"]?["a.txt"]?["length"]?.intValue == 12)
            let added = try await client.send(.PUT, "/\(db)/doc/dir%2Fb.bin?rev=\(rev1)", raw: [0, 1, 2, 255], headers: [("Content-Type", "application/octet-stream")])
            #expect(added.status == 201)
            let bytes = try await client.send(.GET, "/\(db)/doc/dir/b.bin")
            #expect(bytes.body == [0, 1, 2, 255])
            #expect(bytes.headers.first(name: "Content-Type") == "application/octet-stream")
            let inline = try await client.send(.GET, "/\(db)/doc?attachments=true", headers: [("Accept", "application/json")])
            #expect(inline.json?["_attachments"]?["a.txt"]?["data"]?.stringValue == "YXR0YWNobWVudCBh")
            let missing = try await client.send(.GET, "/\(db)/doc/nope.txt")
            #expect(missing.status == 404)
        }
    }

    @Test func localDocumentsHaveNoRevisionTree() async throws {
        try await withDatabase { client, db in
            let first = try await client.send(.PUT, "/\(db)/_local/checkpoint", json: ["seq": 1])
            #expect(first.json?["rev"]?.stringValue == "0-1")
            let second = try await client.send(.PUT, "/\(db)/_local/checkpoint", json: ["_rev": "0-1", "seq": 2])
            #expect(second.json?["rev"]?.stringValue == "0-2")
            #expect(try await client.send(.GET, "/\(db)/_local/checkpoint").json?["seq"]?.intValue == 2)
            let all = try await client.send(.GET, "/\(db)/_all_docs")
            #expect(all.json?["rows"]?.arrayValue?.isEmpty == true)
            #expect(try await client.send(.DELETE, "/\(db)/_local/checkpoint").status == 200)
            #expect(try await client.send(.GET, "/\(db)/_local/checkpoint").status == 404)
        }
    }

    @Test func oversizedDocumentIs413() async throws {
        try await withTestCouch { couch in
            guard !couch.isExternal else { return }  // CouchDB's limit is its own configuration
            let client = HTTPTestClient(couch: couch)
            let db = couch.uniqueDatabaseName()
            _ = try await client.send(.PUT, "/\(db)")
            let big = String(repeating: "x", count: 8_100_000)
            let reply = try await client.send(.PUT, "/\(db)/big", json: ["s": .string(big)])
            #expect(reply.status == 413)
            #expect(reply.json?["error"]?.stringValue == "document_too_large")
            #expect(reply.json?["reason"]?.stringValue == "big")
            _ = try await client.send(.DELETE, "/\(db)")
        }
    }
}
