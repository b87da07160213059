import CouchDB
import JSON
@testable import Lease
import Testing
import TestSupport

/// Compare-and-swap on the lease document against a store (embedded, or CouchDB with
/// GASP_TEST_COUCHDB_URL).
@Suite("Lease client against a store")
struct LeaseClientTests {
    @Test("many contenders with the same read: exactly one wins each round, epochs grow by one")
    func exactlyOneWinsEachRound() async throws {
        let sites = (1...5).map { "site-\($0)" }
        try await withContenders(sites) { contenders, _, _ in
            for round in 1...12 {
                let read = try await contenders[0].client.observe()
                #expect((read?.epoch ?? 0) == Int64(round - 1))
                let outcomes = try await withThrowingTaskGroup(of: (String, LeaseAcquisition).self) { group in
                    for contender in contenders {
                        group.addTask {
                            (contender.site, try await contender.client.acquire(over: read, leaseSeconds: 10, mode: .hold))
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                let winners = outcomes.compactMap { site, outcome -> (String, LeaseDocument)? in
                    if case .won(let document) = outcome { return (site, document) }
                    return nil
                }
                try #require(winners.count == 1, "round \(round): \(outcomes)")
                #expect(winners[0].1.epoch == Int64(round))
                let stored = try #require(try await contenders[0].client.observe())
                #expect(stored.holder?.site == winners[0].0)
                #expect(stored.rev == winners[0].1.rev)
                #expect(stored.epoch == Int64(round))
            }
        }
    }

    @Test("renewing after a takeover is refused with a conflict; the usurper's epoch is one higher")
    func renewAfterTakeover() async throws {
        try await withContenders(["site-a", "site-b"]) { contenders, _, _ in
            let (a, b) = (contenders[0].client, contenders[1].client)
            guard case .won(let held) = try await a.acquire(over: nil, leaseSeconds: 2, mode: .hold) else {
                Issue.record("site-a did not win an empty lease")
                return
            }
            let renewed = try await a.renew(held)
            #expect(renewed.epoch == held.epoch)
            #expect(renewed.rev != held.rev)
            // site-b judged it expired and takes it over the revision it read.
            let seen = try await b.observe()
            guard case .won(let taken) = try await b.acquire(over: seen, leaseSeconds: 2, mode: .hold) else {
                Issue.record("site-b did not win")
                return
            }
            #expect(taken.epoch == held.epoch + 1)
            await #expect {
                _ = try await a.renew(renewed)
            } throws: { error in
                (error as? LeaseError)?.code == .conflict
            }
            // A stale acquisition over an old read loses too.
            #expect(try await a.acquire(over: seen, leaseSeconds: 2, mode: .hold) == .lostRace)
        }
    }

    @Test("release keeps the epoch, names the next site and records the release; the next acquisition adds one")
    func releaseKeepsEpoch() async throws {
        try await withContenders(["site-a", "site-b"]) { contenders, _, _ in
            let (a, b) = (contenders[0].client, contenders[1].client)
            guard case .won(let held) = try await a.acquire(over: nil, leaseSeconds: 5, mode: .rotate) else {
                Issue.record("site-a did not win")
                return
            }
            let released = try await a.release(held, next: "site-b")
            let stored = try #require(try await b.observe())
            #expect(stored.holder == nil)
            #expect(stored.epoch == held.epoch)
            #expect(stored.next == "site-b")
            #expect(stored.mode == .rotate)
            #expect(stored.rev == released.rev)
            #expect(stored.lastHolders.last?.holder == a.identity)
            #expect(stored.lastHolders.last?.released != nil)
            guard case .won(let next) = try await b.acquire(over: stored, leaseSeconds: 5, mode: .rotate) else {
                Issue.record("site-b did not win its turn")
                return
            }
            #expect(next.epoch == held.epoch + 1)
            #expect(next.next == nil)
            #expect(next.lastHolders.map(\.holder.site) == ["site-a", "site-b"])
            // Releasing what one no longer holds is refused.
            await #expect(throws: LeaseError.self) { _ = try await a.release(held, next: nil) }
            // A renewal that landed although its answer never arrived (cancelled in flight)
            // leaves the holder one revision behind; the release still goes through.
            guard case .won(let mine) = try await b.acquire(over: try await b.observe(), leaseSeconds: 5, mode: .rotate) else {
                Issue.record("site-b did not acquire again")
                return
            }
            _ = try await b.renew(mine)
            let releasedLate = try await b.release(mine, next: nil)
            #expect(releasedLate.holder == nil)
            #expect(releasedLate.epoch == mine.epoch)
            #expect(try await b.observe()?.rev == releasedLate.rev)
            // But a release over a takeover is refused.
            guard case .won = try await a.acquire(over: try await a.observe(), leaseSeconds: 5, mode: .rotate) else {
                Issue.record("site-a did not acquire again")
                return
            }
            await #expect {
                _ = try await b.release(mine, next: nil)
            } throws: { error in
                (error as? LeaseError)?.code == .conflict
            }
        }
    }

    @Test("a deleted lease document is recreated with an epoch above every earlier one")
    func deletedDocumentKeepsEpochsGrowing() async throws {
        try await withContenders(["site-a", "site-b"]) { contenders, database, _ in
            let (a, b) = (contenders[0].client, contenders[1].client)
            var held: LeaseDocument?
            var seen: LeaseDocument? = nil
            for _ in 1...3 {
                guard case .won(let written) = try await a.acquire(over: seen, leaseSeconds: 5, mode: .hold) else {
                    Issue.record("site-a did not acquire")
                    return
                }
                held = try await a.renew(written)
                seen = try await a.release(try #require(held), next: nil)
            }
            let last = try #require(seen)
            #expect(last.epoch == 3)
            _ = try await database.delete(last.id, rev: try #require(last.rev))
            #expect(try await b.observe() == nil)
            guard case .won(let recreated) = try await b.acquire(over: nil, leaseSeconds: 5, mode: .hold) else {
                Issue.record("site-b did not recreate the lease")
                return
            }
            // Three acquisitions, three renewals and three releases before the delete: the
            // tombstone is generation 10, so the new epoch is 11 > 3.
            #expect(recreated.epoch == 11)
            #expect(recreated.epoch > last.epoch)
        }
    }

    @Test("a 202 whose revision is the sole winner holds")
    func acceptedSoleWinner() async throws {
        try await withContenders(["site-a"]) { contenders, database, _ in
            contenders[0].transport.setLeaseWrites(.accepted)
            guard case .won(let held) = try await contenders[0].client.acquire(over: nil, leaseSeconds: 5, mode: .hold) else {
                Issue.record("a lone 202 write did not hold")
                return
            }
            let renewed = try await contenders[0].client.renew(held)
            let stored = try await database.get(held.id, options: DocumentOptions(conflicts: true))
            #expect(stored["_rev"]?.stringValue == renewed.rev)
            #expect(stored["_conflicts"] == nil)
        }
    }

    /// Writes, beside the revision a 202 write just made, a conflicting revision of the same
    /// epoch by another holder (as a concurrent write on another node of a cluster would),
    /// with a revision hash that makes it win (`f…`) or lose (`0…`) CouchDB's tie-break.
    static func injectRival(_ database: CouchDatabase, hash: Character, epoch: Int64? = nil) -> @Sendable (CouchDatabase, TransportRequest) async throws -> Void {
        { _, request in
            guard let body = request.body else { return }
            var rival = try JSONParser.parse(body)
            let base = rival["_rev"]?.stringValue
            let generation = (base.flatMap { Int($0.split(separator: "-")[0]) } ?? 0) + 1
            let id = String(repeating: String(hash), count: 32)
            rival["_rev"] = .string("\(generation)-\(id)")
            var ids: [JSONValue] = [.string(id)]
            if let base { ids.append(.string(String(base.split(separator: "-")[1]))) }
            rival["_revisions"] = ["start": .int(generation), "ids": .array(ids)]
            rival["holder"] = ["site": "site-x", "instance": "x/0/rival"]
            if let epoch { rival["epoch"] = .int(epoch) }
            let results = try await database.bulkDocs([rival], newEdits: false)
            #expect(results.allSatisfy { $0.error == nil })
        }
    }

    @Test("a 202 that lost to a conflicting revision steps back and deletes its own revision")
    func acceptedLoser() async throws {
        try await withContenders(["site-a", "site-b"], beforeAccepted: { database, request in
            try await Self.injectRival(database, hash: "f")(database, request)
        }) { contenders, database, _ in
            let (setup, a) = (contenders[1].client, contenders[0].client)
            guard case .won(let first) = try await setup.acquire(over: nil, leaseSeconds: 5, mode: .hold) else {
                Issue.record("setup acquisition failed")
                return
            }
            let released = try await setup.release(first, next: nil)
            contenders[0].transport.setLeaseWrites(.accepted)
            #expect(try await a.acquire(over: released, leaseSeconds: 5, mode: .hold) == .lostRace)
            let stored = try await database.get(first.id, options: DocumentOptions(conflicts: true))
            #expect(stored["holder"]?["site"] == "site-x")
            #expect(stored["_conflicts"] == nil, "the losing revision was not deleted: \(stored)")
        }
    }

    @Test("a 202 that wins the tie-break but has a rival of the same epoch does not hold")
    func acceptedWinnerWithRival() async throws {
        try await withContenders(["site-a", "site-b"], beforeAccepted: { database, request in
            try await Self.injectRival(database, hash: "0")(database, request)
        }) { contenders, database, _ in
            let (setup, a) = (contenders[1].client, contenders[0].client)
            guard case .won(let first) = try await setup.acquire(over: nil, leaseSeconds: 5, mode: .hold) else {
                Issue.record("setup acquisition failed")
                return
            }
            let released = try await setup.release(first, next: nil)
            contenders[0].transport.setLeaseWrites(.accepted)
            #expect(try await a.acquire(over: released, leaseSeconds: 5, mode: .hold) == .lostRace)
            let stored = try await database.get(first.id, options: DocumentOptions(conflicts: true))
            #expect(stored["holder"]?["site"] == .string(a.identity.site))
            #expect(stored["_conflicts"]?.arrayValue?.count == 1)
        }
    }

    @Test("a 202 whose only rival is a leftover with a lower epoch holds and clears the leftover")
    func acceptedWithStaleLeftover() async throws {
        try await withContenders(["site-a", "site-b"], beforeAccepted: { database, request in
            try await Self.injectRival(database, hash: "0", epoch: 0)(database, request)
        }) { contenders, database, _ in
            let (setup, a) = (contenders[1].client, contenders[0].client)
            guard case .won(let first) = try await setup.acquire(over: nil, leaseSeconds: 5, mode: .hold) else {
                Issue.record("setup acquisition failed")
                return
            }
            let released = try await setup.release(first, next: nil)
            contenders[0].transport.setLeaseWrites(.accepted)
            guard case .won(let held) = try await a.acquire(over: released, leaseSeconds: 5, mode: .hold) else {
                Issue.record("a lower-epoch leftover kept the 202 write from holding")
                return
            }
            let stored = try await database.get(first.id, options: DocumentOptions(conflicts: true))
            #expect(stored["_rev"]?.stringValue == held.rev)
            #expect(stored["_conflicts"] == nil, "the leftover was not deleted: \(stored)")
        }
    }

    @Test("rejected credentials are a configuration error, a missing database too")
    func configurationErrors() async throws {
        try await withTestCouch { couch in
            // An unknown user name: CouchDB's lockout does not count basic-auth failures for it.
            try await withClient(couch, credentials: .basic(name: "gasp_lease_nobody", password: "wrong")) { client in
                let lease = LeaseClient(database: client.database("gasp_lease_none"), scope: "p", identity: .thisProcess(site: "a"))
                await #expect {
                    _ = try await lease.observe()
                } throws: { error in
                    guard let error = error as? LeaseError else { return false }
                    return error.code == .unauthorized && error.isConfigurationError && !error.isTransient
                }
            }
            try await withClient(couch) { client in
                let lease = LeaseClient(
                    database: client.database(couch.uniqueDatabaseName("gasp_lease_missing")), scope: "p",
                    identity: .thisProcess(site: "a"))
                await #expect {
                    _ = try await lease.observe()
                } throws: { error in
                    (error as? LeaseError)?.code == .databaseMissing
                }
            }
        }
    }
}
