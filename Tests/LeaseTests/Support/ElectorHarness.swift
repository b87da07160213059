@testable import Lease
import Synchronization

typealias Elector = LeaseElector<ContinuousClock>

/// Electors for a test's contenders, run side by side, each killable on its own (cancelled
/// without releasing, as a crashed process would be), with their transitions recorded.
final class ElectorHarness: Sendable {
    let electors: [Elector]
    let logs: [TransitionLog]
    let kills: [StopSignal]
    let errors = Mutex<[LeaseError]>([])

    /// One elector per contender with `configuration`.
    init(_ contenders: [Contender], configuration: LeaseElectorConfiguration) throws {
        electors = try contenders.map { try Elector(client: $0.client, configuration: configuration) }
        logs = contenders.map { _ in TransitionLog() }
        kills = contenders.map { _ in StopSignal() }
    }

    /// Kills elector `index`: its run is cancelled, its work too, and the lease is not released.
    func kill(_ index: Int) { kills[index].fire() }

    /// Runs every elector with `work(index)` until `body` returns, then stops them gracefully
    /// and waits for them to end.
    func run<T: Sendable>(
        _ work: @escaping @Sendable (Int) -> Elector.Work, _ body: @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in electors.indices {
                let (elector, kill, log) = (electors[index], kills[index], logs[index])
                group.addTask {
                    await withTaskGroup(of: Void.self) { inner in
                        inner.addTask {
                            do throws(LeaseError) {
                                try await elector.run(work(index))
                            } catch {
                                self.errors.withLock { $0.append(error) }
                            }
                        }
                        inner.addTask { await kill.wait() }
                        await inner.next()
                        inner.cancelAll()
                    }
                }
                group.addTask {
                    for await transition in elector.transitions { log.append(transition) }
                }
            }
            do {
                let result = try await body()
                for elector in electors { elector.stop() }
                try await group.waitForAll()
                return result
            } catch {
                for elector in electors { elector.stop() }
                group.cancelAll()
                throw error
            }
        }
    }

    /// The indices of electors holding the lease now.
    var holding: [Int] { electors.indices.filter { electors[$0].state.isHolding } }
}

/// Guarded work that records itself in `ledger` and runs until its holding ends.
func recordedWork(_ ledger: HoldLedger, site: String) -> Elector.Work {
    { term in
        ledger.begin(site, epoch: term.epoch)
        defer { ledger.end(site, epoch: term.epoch) }
        await untilCancelled()
        return .anyone
    }
}
