import CouchDB
import Logging
@testable import Lease
import ServiceLifecycle
import Testing
import TestSupport

/// Electors contending in one process against a store, with short leases where expiry is
/// tested (3 s: renewal every second, renew deadline 2 s, takeover 3.15 s after the last change
/// seen, reads every 0.3 s) and 4 s leases elsewhere. Bounds leave room for a busy machine.
@Suite("Lease elector: contention, renewal, loss, hand-over")
struct LeaseElectorTests {
    static let sites = ["site-a", "site-b", "site-c"]
    static let hold = LeaseElectorConfiguration(leaseSeconds: 3, mode: .hold)
    static let rotate = LeaseElectorConfiguration(leaseSeconds: 3, mode: .rotate)
    /// For tests that do not wait for an expiry: a lease long enough (renew deadline 2.7 s) that
    /// a store slowed down by a busy machine does not end a holding by itself.
    static let steady = LeaseElectorConfiguration(leaseSeconds: 4, mode: .hold)
    static let steadyRotate = LeaseElectorConfiguration(leaseSeconds: 4, mode: .rotate)

    @Test("hold mode: exactly one of three holds, and keeps holding through renewals")
    func holdModeKeepsOneHolder() async throws {
        try await withContenders(Self.sites) { contenders, _, _ in
            let ledger = HoldLedger()
            let harness = try ElectorHarness(contenders, configuration: Self.steady)
            try await harness.run({ recordedWork(ledger, site: Self.sites[$0]) }) {
                #expect(await eventually(within: 30) { ledger.running.count == 1 })
                let holder = try #require(harness.holding.first)
                #expect(await eventually(within: 30) {
                    harness.logs[holder].all.filter { if case .renewed = $0 { true } else { false } }.count >= 3
                })
                #expect(ledger.entries.count == 1, "the holder changed while healthy: \(ledger.entries)")
                #expect(harness.holding == [holder])
                for other in harness.electors.indices where other != holder {
                    guard case .observing(let seen, let epoch, _) = harness.electors[other].state else {
                        Issue.record("elector \(other) is not observing: \(harness.electors[other].state)")
                        continue
                    }
                    #expect(seen == contenders[holder].client.identity)
                    #expect(epoch == 1)
                }
            }
            #expect(ledger.mostAtOnce == 1)
            #expect(harness.errors.withLock { $0 }.isEmpty)
        }
    }

    @Test("many hand-overs to whoever comes first: never two holders, epochs one apart")
    func exactlyOneOverManyRounds() async throws {
        try await withContenders(Self.sites) { contenders, _, _ in
            let ledger = HoldLedger()
            let harness = try ElectorHarness(contenders, configuration: Self.steady)
            try await harness.run({ index in
                { term in
                    ledger.begin(Self.sites[index], epoch: term.epoch)
                    defer { ledger.end(Self.sites[index], epoch: term.epoch) }
                    await Task.yield()
                    return .anyone
                }
            }) {
                #expect(await eventually(within: 30) { ledger.entries.count >= 20 })
            }
            let entries = ledger.entries
            #expect(ledger.mostAtOnce == 1)
            #expect(entries.map(\.epoch) == Array(1...Int64(entries.count)))
            for (previous, next) in zip(entries, entries.dropFirst()) {
                let ended = try #require(previous.ended)
                #expect(ended <= next.started, "epoch \(next.epoch) started before \(previous.epoch) ended")
            }
        }
    }

    @Test("rotate mode: each release names the next site, which takes its turn at once")
    func rotateGivesEverySiteATurnInOrder() async throws {
        try await withContenders(Self.sites) { contenders, _, _ in
            let ledger = HoldLedger()
            let harness = try ElectorHarness(contenders, configuration: Self.steadyRotate)
            try await harness.run({ index in
                { term in
                    let site = Self.sites[index]
                    ledger.begin(site, epoch: term.epoch)
                    defer { ledger.end(site, epoch: term.epoch) }
                    #expect(term.mode == .rotate)
                    #expect(term.isHeld)
                    return .to(Self.sites[(index + 1) % Self.sites.count])
                }
            }) {
                #expect(await eventually(within: 30) { ledger.entries.count >= 10 })
            }
            let entries = ledger.entries
            #expect(ledger.mostAtOnce == 1)
            #expect(entries.map(\.epoch) == Array(1...Int64(entries.count)))
            for (previous, next) in zip(entries, entries.dropFirst()) {
                let expected = Self.sites[(Self.sites.firstIndex(of: previous.site)! + 1) % Self.sites.count]
                #expect(next.site == expected, "after \(previous.site) came \(next.site)")
                let handOff = try #require(previous.ended).duration(to: next.started)
                // The named site polls every 0.4 s; the others wait a whole lease (4 s) of grace.
                #expect(handOff < .milliseconds(2500), "hand-off took \(handOff)")
            }
            let turns = harness.logs.flatMap(\.all).filter {
                if case .acquired(_, .yourTurn) = $0 { true } else { false }
            }
            #expect(turns.count >= entries.count - 1)
        }
    }

    @Test("rotate mode: a named site that misses its turn loses it to the site after it")
    func missedTurnGoesToTheNext() async throws {
        // site-b is in the turn order but has no worker running.
        let order = ["site-a", "site-b", "site-c"]
        try await withContenders(["site-a", "site-c"]) { contenders, _, _ in
            let ledger = HoldLedger()
            let harness = try ElectorHarness(contenders, configuration: Self.rotate)
            for elector in harness.electors { elector.setTurnOrder(order) }
            try await harness.run({ index in
                { term in
                    let site = contenders[index].site
                    ledger.begin(site, epoch: term.epoch)
                    defer { ledger.end(site, epoch: term.epoch) }
                    return .to(order[(order.firstIndex(of: site)! + 1) % order.count])
                }
            }) {
                #expect(await eventually(within: 40) { ledger.entries.count >= 4 })
            }
            let entries = ledger.entries
            #expect(ledger.mostAtOnce == 1)
            for (previous, next) in zip(entries, entries.dropFirst()) {
                let gap = try #require(previous.ended).duration(to: next.started)
                if previous.site == "site-a" {
                    // site-b missed its turn: site-c, next in order, takes it after one grace
                    // (3 s), before site-a's two graces.
                    #expect(next.site == "site-c")
                    #expect(gap > .milliseconds(2900), "gap \(gap)")
                } else {
                    #expect(next.site == "site-a")
                    #expect(gap < .milliseconds(2900), "gap \(gap)")
                }
            }
            #expect(harness.logs[1].all.contains {
                if case .acquired(_, .turnPassed(next: "site-b")) = $0 { true } else { false }
            })
            #expect(!harness.logs[0].all.contains { if case .acquired(_, .turnPassed) = $0 { true } else { false } })
        }
    }

    @Test("a holder cut off from the store stops its work before its deadline; another takes over after the lease")
    func cutOffHolderIsReplaced() async throws {
        try await withContenders(["site-a", "site-b"]) { contenders, _, _ in
            let ledger = HoldLedger()
            let harness = try ElectorHarness(contenders, configuration: Self.hold)
            try await harness.run({ recordedWork(ledger, site: ["site-a", "site-b"][$0]) }) {
                #expect(await eventually(within: 30) { harness.holding.count == 1 && ledger.running.count == 1 })
                let holder = try #require(harness.holding.first)
                let other = 1 - holder
                let held = ledger.entries.count
                let cut = ContinuousClock.now
                contenders[holder].transport.setCutOff(true)

                #expect(await eventually(within: 30) { ledger.entries.count == held + 1 })
                let entries = Array(ledger.entries.suffix(2))
                let stopped = try #require(entries[0].ended)
                #expect(entries[0].site == contenders[holder].site)
                #expect(entries[1].site == contenders[other].site)
                #expect(entries[1].epoch == entries[0].epoch + 1)
                // The cut-off holder's last renewal was sent before the cut, so its work stopped
                // within the renew deadline (2 s) of the cut, allowing for scheduling.
                #expect(cut.duration(to: stopped) < .milliseconds(2800), "work stopped \(cut.duration(to: stopped)) after the cut")
                // …and before the other site started: never two holders.
                #expect(stopped < entries[1].started)
                // The other waited out the lease (3.15 s) from the last renewal it saw, which
                // was sent at most one renew interval (1 s) before the cut.
                let takeover = cut.duration(to: entries[1].started)
                #expect(takeover > .milliseconds(2100), "took over \(takeover) after the cut")
                let (epoch, quiet) = (entries[0].epoch, contenders[holder].client.identity)
                #expect(await eventually(within: 20) {
                    harness.logs[holder].all.contains(.lost(epoch: epoch, reason: .renewDeadlinePassed))
                })
                #expect(await eventually(within: 20) { harness.logs[other].all.contains(.expired(quiet, epoch: epoch)) })

                // Reconnected, the old holder sees the new one and does not take the lease back.
                contenders[holder].transport.setCutOff(false)
                #expect(await eventually(within: 20) {
                    if case .observing(let seen, _, _) = harness.electors[holder].state {
                        return seen == contenders[other].client.identity
                    }
                    return false
                })
                #expect(harness.holding == [other])
            }
            #expect(ledger.mostAtOnce == 1)
        }
    }

    @Test("renewals that fail (store refusing connections) end the holding at the deadline, then it is taken back")
    func failingRenewalsLoseThenReclaim() async throws {
        try await withContenders(["site-a"]) { contenders, _, _ in
            let ledger = HoldLedger()
            let harness = try ElectorHarness(contenders, configuration: Self.hold)
            try await harness.run({ _ in recordedWork(ledger, site: "site-a") }) {
                #expect(await eventually(within: 30) { ledger.running.count == 1 })
                contenders[0].transport.setLeaseWrites(.fail)
                #expect(await eventually(within: 20) { ledger.running.isEmpty })
                #expect(await eventually(within: 20) { harness.logs[0].all.contains(.lost(epoch: 1, reason: .renewDeadlinePassed)) })
                contenders[0].transport.setLeaseWrites(.pass)
                // The document still names this instance: it takes the lease back with a new epoch.
                #expect(await eventually(within: 20) { ledger.entries.count == 2 && ledger.running.count == 1 })
                #expect(ledger.entries.map(\.epoch) == [1, 2])
                #expect(await eventually(within: 20) {
                    harness.logs[0].all.contains(.acquired(epoch: 2, opening: .abandonedByThisInstance))
                })
            }
        }
    }

    @Test("guarded work that throws: reported, the lease released to anyone, and contention goes on")
    func failingWorkReleases() async throws {
        struct CycleFailed: Error {}
        try await withContenders(["site-a"]) { contenders, _, _ in
            let ledger = HoldLedger()
            let harness = try ElectorHarness(contenders, configuration: Self.steady)
            try await harness.run({ _ in
                { term in
                    ledger.begin("site-a", epoch: term.epoch)
                    defer { ledger.end("site-a", epoch: term.epoch) }
                    if term.epoch == 1 { throw CycleFailed() }
                    await untilCancelled()
                    return .anyone
                }
            }) {
                #expect(await eventually(within: 30) { ledger.entries.count == 2 && ledger.running.count == 1 })
            }
            let log = harness.logs[0].all
            #expect(log.contains { if case .workFailed(1, _) = $0 { true } else { false } })
            #expect(log.contains(.released(epoch: 1, next: nil)))
            #expect(log.contains(.acquired(epoch: 2, opening: .released)))
            // It waited before taking the lease back (first back-off: 0.8 s).
            let gap = try #require(ledger.entries[0].ended).duration(to: ledger.entries[1].started)
            #expect(gap >= .milliseconds(700), "took the lease back after \(gap)")
        }
    }

    @Test("a store outage for everyone: the holder stops at its deadline, and afterwards exactly one holds again")
    func storeOutageForEveryone() async throws {
        try await withContenders(Self.sites) { contenders, _, _ in
            let ledger = HoldLedger()
            let harness = try ElectorHarness(contenders, configuration: Self.hold)
            try await harness.run({ recordedWork(ledger, site: Self.sites[$0]) }) {
                #expect(await eventually(within: 30) { ledger.running.count == 1 })
                for contender in contenders { contender.transport.setCutOff(true) }
                #expect(await eventually(within: 20) { ledger.running.isEmpty })
                #expect(harness.holding.isEmpty)
                for contender in contenders { contender.transport.setCutOff(false) }
                #expect(await eventually(within: 30) { ledger.running.count == 1 && ledger.entries.count == 2 })
                #expect(ledger.entries[1].epoch == ledger.entries[0].epoch + 1)
            }
            #expect(ledger.mostAtOnce == 1)
        }
    }

    @Test("a killed holder is replaced after the lease, with the next epoch")
    func killedHolderIsReplaced() async throws {
        try await withContenders(["site-a", "site-b"]) { contenders, _, _ in
            let ledger = HoldLedger()
            let harness = try ElectorHarness(contenders, configuration: Self.hold)
            try await harness.run({ recordedWork(ledger, site: ["site-a", "site-b"][$0]) }) {
                #expect(await eventually(within: 30) { harness.holding.count == 1 && ledger.running.count == 1 })
                let holder = try #require(harness.holding.first)
                let held = ledger.entries.count
                let killed = ContinuousClock.now
                harness.kill(holder)
                #expect(await eventually(within: 30) { ledger.entries.count == held + 1 })
                let entries = Array(ledger.entries.suffix(2))
                let takeover = killed.duration(to: entries[1].started)
                // lease × (1 + drift) after the last change seen, plus one poll, and slack for
                // a loaded machine.
                #expect(takeover < .milliseconds(3150 + 300 + 3000), "takeover took \(takeover)")
                #expect(entries[1].epoch == entries[0].epoch + 1)
                #expect(entries[1].site == contenders[1 - holder].site)
            }
        }
    }

    @Test("graceful stop: the work stops first, then the lease is released keeping its epoch")
    func stopReleasesAfterWork() async throws {
        try await withContenders(["site-a"]) { contenders, database, _ in
            let ledger = HoldLedger()
            let harness = try ElectorHarness(contenders, configuration: Self.steady)
            try await harness.run({ _ in recordedWork(ledger, site: "site-a") }) {
                #expect(await eventually(within: 30) { ledger.running.count == 1 })
            }
            let ended = try #require(ledger.entries.first?.ended)
            let released = try #require(harness.logs[0].firstTime { $0.isReleased })
            #expect(ended <= released)
            let stored = try #require(try await contenders[0].client.observe())
            #expect(stored.holder == nil)
            #expect(stored.epoch == 1)
            #expect(stored.lastHolders.last?.released != nil)
            #expect(harness.logs[0].all.last == .released(epoch: 1, next: nil))
            _ = database
        }
    }

    @Test("as a Service: graceful shutdown of the group releases the lease")
    func serviceGracefulShutdown() async throws {
        try await withContenders(["site-a"]) { contenders, _, _ in
            let ledger = HoldLedger()
            let elector = try Elector(client: contenders[0].client, configuration: Self.steady)
            let group = ServiceGroup(
                services: [elector.service(running: recordedWork(ledger, site: "site-a"))],
                gracefulShutdownSignals: [], logger: Logger(label: "gasp.test.lease"))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                #expect(await eventually(within: 30) { ledger.running.count == 1 })
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
            #expect(ledger.running.isEmpty)
            let stored = try #require(try await contenders[0].client.observe())
            #expect(stored.holder == nil)
        }
    }

    @Test("rejected credentials end the elector's run with the error instead of retrying")
    func unauthorizedEndsRun() async throws {
        try await withTestCouch { couch in
            try await withClient(couch, credentials: .basic(name: "gasp_lease_nobody", password: "wrong")) { client in
                let lease = LeaseClient(database: client.database("gasp_lease_none"), scope: "p", identity: .thisProcess(site: "a"))
                let elector = try Elector(client: lease, configuration: Self.hold)
                await #expect {
                    try await elector.run { _ in .anyone }
                } throws: { error in
                    (error as? LeaseError)?.code == .unauthorized
                }
            }
        }
    }

    @Test("configuration is validated")
    func invalidConfiguration() async throws {
        let couch = try CouchClient(url: "http://127.0.0.1:1")
        let lease = LeaseClient(database: couch.database("x"), scope: "p", identity: .thisProcess(site: "a"))
        #expect(throws: LeaseError.self) { try Elector(client: lease, configuration: .init(leaseSeconds: 0)) }
        #expect(throws: LeaseError.self) {
            try Elector(client: lease, configuration: .init(leaseSeconds: 5, policy: LeasePolicy(renewDeadline: 1.2)))
        }
        let configuration = LeaseElectorConfiguration(leaseSeconds: 15)
        #expect(configuration.pollInterval(for: .seconds(15)) == .milliseconds(1500))
        #expect(configuration.pollInterval(for: .seconds(60)) == .seconds(2))
        #expect(configuration.pollInterval(for: .milliseconds(100)) == .milliseconds(50))
        #expect(configuration.retryDelay(afterFailures: 1) == .milliseconds(100))
        #expect(configuration.retryDelay(afterFailures: 3) == .milliseconds(400))
        #expect(configuration.retryDelay(afterFailures: 40) == .seconds(2))
        try await couch.shutdown()
    }
}
