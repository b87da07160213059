import Foundation
import JSON
import NIOHTTP1
import Testing
import TestSupport

/// `validate_doc_update` on every write path, through a real loopback server (and Apache
/// CouchDB with `GASP_TEST_COUCHDB_URL`).
@Suite("validate_doc_update")
struct ValidateDocUpdateTests {
    /// Rejects `bad` documents, lowered epochs, and deletions of `keep` documents.
    static let validator = """
        function(newDoc, oldDoc, userCtx, secObj) {
          if (newDoc._deleted) { if (oldDoc && oldDoc.keep) { throw({forbidden: 'keep ' + newDoc._id}); } return; }
          if (newDoc.bad) { throw({forbidden: 'bad ' + newDoc._id}); }
          if (newDoc.who && newDoc.who !== userCtx.name) { throw({unauthorized: 'not ' + userCtx.name}); }
          if (oldDoc && newDoc.epoch < oldDoc.epoch) { throw({forbidden: 'epoch ' + newDoc.epoch + ' < ' + oldDoc.epoch}); }
        }
        """

    static func withValidatedDatabase(_ body: @Sendable (HTTPTestClient, String) async throws -> Void) async throws {
        try await ViewIndexTests.withViewDatabase { client, db in
            let design: JSONValue = ["validate_doc_update": .string(validator)]
            #expect(try await client.send(.PUT, db + "/_design/rules", json: design).status == 201)
            try await body(client, db)
        }
    }

    static func error(_ reply: HTTPTestClient.Reply) -> String? { reply.json?["reason"]?.stringValue }

    @Test("PUT and POST: 403 forbidden and 401 unauthorized with the function's message; oldDoc is the stored revision")
    func putAndPost() async throws {
        try await Self.withValidatedDatabase { client, db in
            var reply = try await client.send(.PUT, db + "/a", json: ["bad": true])
            #expect(reply.status == 403 && Self.error(reply) == "bad a")
            reply = try await client.send(.POST, db, json: ["_id": "p", "bad": true])
            #expect(reply.status == 403 && Self.error(reply) == "bad p")
            reply = try await client.send(.PUT, db + "/w", json: ["who": "somebody"])
            #expect(reply.status == 401 && reply.json?["error"] == "unauthorized")

            let created = try await client.send(.PUT, db + "/e", json: ["epoch": 2])
            #expect(created.status == 201)
            let rev = try #require(created.json?["rev"])
            reply = try await client.send(.PUT, db + "/e", json: ["_rev": rev, "epoch": 1])
            #expect(reply.status == 403 && Self.error(reply) == "epoch 1 < 2")
            // A stale revision is a conflict before the function runs.
            #expect(try await client.send(.PUT, db + "/e", json: ["_rev": "1-00000000000000000000000000000000", "epoch": 1]).status == 409)
            #expect(try await client.send(.PUT, db + "/e", json: ["_rev": rev, "epoch": 3]).status == 201)
        }
    }

    @Test("DELETE, _bulk_docs per document and COPY are validated")
    func otherWritePaths() async throws {
        try await Self.withValidatedDatabase { client, db in
            let kept = try await client.send(.PUT, db + "/k", json: ["keep": true, "epoch": 1])
            let rev = try #require(kept.json?["rev"]?.stringValue)
            var reply = try await client.send(.DELETE, db + "/k?rev=" + rev)
            #expect(reply.status == 403 && Self.error(reply) == "keep k")

            reply = try await client.send(.POST, db + "/_bulk_docs", json: ["docs": [["_id": "ok1"], ["_id": "no1", "bad": true], ["_id": "ok2"]]])
            #expect(reply.status == 201)
            #expect(reply.json?[0]?["ok"] == true)
            #expect(reply.json?[1]?["error"] == "forbidden" && reply.json?[1]?["reason"] == "bad no1")
            #expect(reply.json?[2]?["ok"] == true)
            #expect(try await client.send(.GET, db + "/no1").status == 404)

            let source = try await client.send(.PUT, db + "/src", json: ["epoch": 0])
            #expect(source.status == 201)
            let target = try await client.send(.PUT, db + "/dst", json: ["epoch": 5])
            let targetRev = try #require(target.json?["rev"]?.stringValue)
            reply = try await client.send(.COPY, db + "/src", headers: [("Destination", "dst?rev=" + targetRev)])
            #expect(reply.status == 403 && Self.error(reply) == "epoch 0 < 5")
            #expect(try await client.send(.COPY, db + "/src", headers: [("Destination", "fresh")]).status == 201)
        }
    }

    @Test("attachment uploads see the document with its new attachment")
    func attachmentUploads() async throws {
        try await ViewIndexTests.withViewDatabase { client, db in
            let design: JSONValue = ["validate_doc_update": "function(newDoc) { if (newDoc._attachments && newDoc._attachments['no.txt']) { throw({forbidden: 'no attachment named no.txt'}); } }"]
            #expect(try await client.send(.PUT, db + "/_design/atts", json: design).status == 201)
            let doc = try await client.send(.PUT, db + "/d", json: ["x": 1])
            let rev = try #require(doc.json?["rev"]?.stringValue)
            let reply = try await client.send(.PUT, db + "/d/no.txt?rev=" + rev, raw: Array("x".utf8), headers: [("Content-Type", "text/plain")])
            #expect(reply.status == 403 && Self.error(reply) == "no attachment named no.txt")
            #expect(try await client.send(.PUT, db + "/d/yes.txt?rev=" + rev, raw: Array("x".utf8), headers: [("Content-Type", "text/plain")]).status == 201)
        }
    }

    @Test("_local documents and design documents written by an admin are not validated")
    func exemptions() async throws {
        try await Self.withValidatedDatabase { client, db in
            let local = try await client.send(.PUT, db + "/_local/x", json: ["bad": true])
            #expect(local.status == 201)
            let design = try await client.send(.PUT, db + "/_design/other", json: ["bad": true])
            #expect(design.status == 201)
        }
    }

    @Test("a design document whose JavaScript does not compile is refused with 400 compilation_error")
    func compileCheck() async throws {
        try await ViewIndexTests.withViewDatabase { client, db in
            var reply = try await client.send(.PUT, db + "/_design/broken", json: ["views": ["v": ["map": "function(doc) { emit(doc._id, ; }"]]])
            #expect(reply.status == 400 && reply.json?["error"] == "compilation_error")
            reply = try await client.send(.PUT, db + "/_design/broken", json: ["validate_doc_update": "function(a, { }"])
            #expect(reply.status == 400 && reply.json?["error"] == "compilation_error")
            #expect(try await client.send(.GET, db + "/_design/broken").status == 404)
        }
    }
}
