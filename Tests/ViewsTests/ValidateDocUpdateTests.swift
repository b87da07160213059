import CouchDB
import JSON
import Testing
import TestSupport

/// The rules of `Views/gasp/validate_doc_update.js`: document shape and epoch fencing.
@Suite("validate_doc_update: shape and fencing")
struct ValidateDocUpdateTests {
    /// The error a write gets, or nil when it is saved.
    static func refusal(_ db: CouchDatabase, _ doc: JSONValue) async -> CouchError? {
        do {
            _ = try await db.put(doc)
            return nil
        } catch {
            return error
        }
    }

    @Test("a document needs a type and an id prefixed by it")
    func shape() async throws {
        try await ViewsFixture.withDatabase { db in
            let untyped = await Self.refusal(db, ["_id": "job:x:0000000001", "module": "x"])
            #expect(untyped?.code == .forbidden)
            #expect(untyped?.reason == "document job:x:0000000001 has no type")
            let misnamed = await Self.refusal(db, ["_id": "run:0000000001", "type": "job"])
            #expect(misnamed?.code == .forbidden)
            #expect(misnamed?.reason == "document run:0000000001 of type job must have an id starting with job:")
            #expect(await Self.refusal(db, ["_id": "catalogue:7.0.8", "type": "module_catalogue"]) == nil)
            #expect(await Self.refusal(db, ["_id": "lease:processing", "type": "lease", "epoch": 1]) == nil)
        }
    }

    @Test("a write never lowers the epoch; equal and higher pass; the epoch must stay a number")
    func fencing() async throws {
        try await ViewsFixture.withDatabase { db in
            let first = try await db.put(["_id": "lease:processing", "type": "lease", "holder": "site-a", "epoch": 4])
            let lower = await Self.refusal(db, ["_id": "lease:processing", "_rev": .string(first.rev), "type": "lease", "holder": "site-a", "epoch": 3])
            #expect(lower?.code == .forbidden)
            #expect(lower?.reason == "epoch 3 is lower than current epoch 4")
            let missing = await Self.refusal(db, ["_id": "lease:processing", "_rev": .string(first.rev), "type": "lease", "holder": "site-a"])
            #expect(missing?.code == .forbidden)
            let text = await Self.refusal(db, ["_id": "lease:processing", "_rev": .string(first.rev), "type": "lease", "epoch": "5"])
            #expect(text?.reason == "epoch must be a number")
            let equal = try await db.put(["_id": "lease:processing", "_rev": .string(first.rev), "type": "lease", "holder": "site-a", "epoch": 4, "renewed": true])
            let higher = try await db.put(["_id": "lease:processing", "_rev": .string(equal.rev), "type": "lease", "holder": "site-b", "epoch": 5])
            #expect(try await db.get("lease:processing")["holder"] == "site-b")
            _ = try await db.delete("lease:processing", rev: higher.rev)
        }
    }

    @Test("in _bulk_docs a fenced document is refused alone, the others are saved")
    func bulk() async throws {
        try await ViewsFixture.withDatabase { db in
            let job = try await db.get("job:Processing:0000000101")
            var stale = job
            stale["epoch"] = 0
            let results = try await db.bulkDocs([stale, ["_id": "run:0000000200", "type": "run", "run": 200]])
            #expect(results[0].outcome == .rejected(error: "forbidden", reason: "epoch 0 is lower than current epoch 1"))
            #expect(results[1].rev != nil)
        }
    }
}
