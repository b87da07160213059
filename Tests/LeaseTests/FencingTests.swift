import Bootstrap
import CouchDB
import Foundation
import JSON
@testable import Lease
import Testing
import TestSupport

/// The epoch as a fencing token, enforced by the `validate_doc_update` in `Views/gasp`.
@Suite("Fencing: a stale holder's writes are refused")
struct FencingTests {
    static var repositoryViews: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Views").standardized
    }

    @Test("after a takeover with epoch N+1, the old holder's write carrying epoch N is refused with 403")
    func staleHolderIsFenced() async throws {
        try await withContenders(["site-a", "site-b"]) { contenders, database, _ in
            let bootstrapper = Bootstrapper(documents: try DesignDocumentSource.load(from: Self.repositoryViews))
            try await bootstrapper.apply(try await bootstrapper.plan(client: database.client, databases: [database.name]), client: database.client)
            let (a, b) = (contenders[0].client, contenders[1].client)

            guard case .won(let old) = try await a.acquire(over: nil, leaseSeconds: 2, mode: .hold) else {
                Issue.record("site-a did not acquire")
                return
            }
            let oldTerm = LeaseTerm(scope: "processing", holder: a.identity, epoch: old.epoch, mode: .hold, stillHeld: { true })
            let job: JSONValue = ["_id": "job:Processing:0000000001", "type": "job", "module": "Processing", "run": 1, "status": "waiting"]
            let created = try await a.database.put(oldTerm.fenced(job))

            // site-a goes quiet (paused); site-b judges the lease expired and takes it over.
            let seen = try await b.observe()
            guard case .won(let new) = try await b.acquire(over: seen, leaseSeconds: 2, mode: .hold) else {
                Issue.record("site-b did not take over")
                return
            }
            #expect(new.epoch == old.epoch + 1)
            let newTerm = LeaseTerm(scope: "processing", holder: b.identity, epoch: new.epoch, mode: .hold, stillHeld: { true })
            var claimed = newTerm.fenced(job)
            claimed["_rev"] = .string(created.rev)
            claimed["status"] = "submitted"
            let current = try await b.database.put(claimed)

            // site-a wakes up and writes with the revision it can read, but its old epoch.
            var stale = oldTerm.fenced(job)
            stale["_rev"] = .string(current.rev)
            stale["status"] = "failed"
            await #expect {
                _ = try await a.database.put(stale)
            } throws: { error in
                guard let error = error as? CouchError else { return false }
                return error.code == .forbidden && error.status == 403
                    && error.reason == "epoch \(old.epoch) is lower than current epoch \(new.epoch)"
            }
            // Its renewal of the lease itself is a conflict, so it learns it lost.
            await #expect {
                _ = try await a.renew(old)
            } throws: { error in
                (error as? LeaseError)?.code == .conflict
            }
            #expect(try await database.get("job:Processing:0000000001")["status"] == "submitted")
        }
    }
}
