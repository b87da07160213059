import CouchDB
@testable import Lease
import Testing

/// The elector on an injected clock and an in-memory store: deadlines to the tick, no waiting.
@Suite("Lease elector on a manual clock")
struct LeaseElectorClockTests {
    /// An elector for site-a on a manual clock, over an in-memory lease store.
    static func electorOnManualClock(leaseSeconds: Double) throws
        -> (ManualClock, MemoryLeaseTransport, CouchClient, LeaseElector<ManualClock>)
    {
        let clock = ManualClock()
        let store = MemoryLeaseTransport()
        let couch = try CouchClient(
            url: "http://lease.test", credentials: CouchCredentials.none, transport: store,
            configuration: .init(requestTimeout: .seconds(5), retry: .never))
        let lease = LeaseClient(database: couch.database("db"), scope: "processing", identity: .thisProcess(site: "site-a"))
        let elector = try LeaseElector(client: lease, configuration: .init(leaseSeconds: leaseSeconds), clock: clock)
        return (clock, store, couch, elector)
    }

    @Test("renews at lease/3; when renewals fail, the work runs until the renew deadline and is cancelled there")
    func renewDeadlineOnInjectedClock() async throws {
        let (clock, store, couch, elector) = try Self.electorOnManualClock(leaseSeconds: 15)
        let ledger = HoldLedger()
        let log = TransitionLog()

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await elector.run(recordedWork(ledger, site: "site-a")) }
            group.addTask { for await transition in elector.transitions { log.append(transition) } }

            // No document: acquired at t = 0 without the clock moving.
            #expect(await eventually(within: 30) { ledger.running.count == 1 })
            #expect(store.puts == 1)

            // Renewal due at 5 (lease/3); the deadline moves to 5 + 10.
            clock.advance(to: .at(4.9))
            #expect(store.puts == 1)
            clock.advance(to: .at(5))
            #expect(await eventually(within: 30) { log.all.contains(.renewed(epoch: 1, late: false, failedAttempts: 0)) })
            #expect(store.puts == 2)

            // From now on renewals fail: due at 10, retried every 1.25 s.
            store.setFailWrites(true)
            for step in [10.0, 11.25, 12.5, 13.75] {
                let before = store.failedPuts
                clock.advance(to: .at(step))
                #expect(await eventually(within: 30) { store.failedPuts > before }, "no renewal attempt at \(step)")
                #expect(ledger.running.count == 1, "work stopped early at \(step)")
            }
            clock.advance(to: .at(14.999))
            #expect(ledger.running.count == 1)
            #expect(elector.state.isHolding)

            clock.advance(to: .at(15))
            #expect(await eventually(within: 30) { ledger.running.isEmpty })
            #expect(await eventually(within: 30) { log.all.contains(.lost(epoch: 1, reason: .renewDeadlinePassed)) })
            #expect(!elector.state.isHolding)

            elector.stop()
            try await group.waitForAll()
        }
        #expect(ledger.entries.count == 1)
        try await couch.shutdown()
    }

    @Test("work that checks its term and gives up at the deadline counts as a loss, not a failure")
    func checkHeldAtDeadline() async throws {
        let (clock, store, couch, elector) = try Self.electorOnManualClock(leaseSeconds: 3)
        let log = TransitionLog()
        let checks = HoldLedger()

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await elector.run { term in
                    checks.begin("site-a", epoch: term.epoch)
                    defer { checks.end("site-a", epoch: term.epoch) }
                    // A cycle that checks the lease before each step, one step per clock second.
                    var step = 0.0
                    while true {
                        try term.checkHeld()
                        step += 1
                        try await clock.sleep(until: .at(step), tolerance: nil)
                    }
                }
            }
            group.addTask { for await transition in elector.transitions { log.append(transition) } }
            #expect(await eventually(within: 30) { checks.running.count == 1 })
            store.setFailWrites(true)
            // Renewal at 1 fails, retries at 1.25, 1.5, 1.75; deadline at 2.
            for step in [1.0, 1.25, 1.5, 1.75] {
                let before = store.failedPuts
                clock.advance(to: .at(step))
                #expect(await eventually(within: 30) { store.failedPuts > before })
            }
            clock.advance(to: .at(2))
            #expect(await eventually(within: 30) { checks.running.isEmpty })
            #expect(await eventually(within: 30) { log.all.contains(.lost(epoch: 1, reason: .renewDeadlinePassed)) })
            #expect(!log.all.contains { if case .workFailed = $0 { true } else { false } })
            elector.stop()
            try await group.waitForAll()
        }
        try await couch.shutdown()
    }
}
