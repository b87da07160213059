import CouchDB
import Foundation
import JSON
@testable import Lease
import Synchronization
import TestSupport

/// One contender for a lease in a test: its own HTTP client and interceptable transport.
struct Contender: Sendable {
    let site: String
    let transport: InterceptingTransport
    let couch: CouchClient
    let client: LeaseClient
}

/// Runs `body` with a fresh database and `sites.count` contenders for `lease:<scope>`, each
/// with its own connection pool; everything is shut down afterwards.
func withContenders<T: Sendable>(
    _ sites: [String], scope: String = "processing",
    beforeAccepted: (@Sendable (CouchDatabase, TransportRequest) async throws -> Void)? = nil,
    _ body: @Sendable ([Contender], CouchDatabase, TestCouch) async throws -> T
) async throws -> T {
    try await withDatabase("gasp_lease") { database, couch in
        var contenders: [Contender] = []
        for site in sites {
            var hook: (@Sendable (TransportRequest) async throws -> Void)?
            if let beforeAccepted {
                hook = { request in try await beforeAccepted(database, request) }
            }
            let transport = InterceptingTransport(AsyncHTTPClientTransport(), beforeAccepted: hook)
            let couchClient = try makeClient(couch, transport: transport)
            let client = LeaseClient(
                database: couchClient.database(database.name), scope: scope,
                identity: LeaseHolder.thisProcess(site: site))
            contenders.append(Contender(site: site, transport: transport, couch: couchClient, client: client))
        }
        let all = contenders
        do {
            let result = try await body(all, database, couch)
            for contender in all { try? await contender.couch.shutdown() }
            return result
        } catch {
            for contender in all { try? await contender.couch.shutdown() }
            throw error
        }
    }
}

/// Polls `condition` every 10 ms until it holds or `seconds` pass; returns whether it held.
func eventually(within seconds: Double, _ condition: @Sendable () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now.advanced(by: .seconds(seconds))
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return try await condition()
}

/// Waits until the task is cancelled (guarded work that runs until its holding ends).
func untilCancelled() async {
    while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
}

/// What guarded work did, across every contender of a test, on the test's monotonic clock.
final class HoldLedger: Sendable {
    struct Entry: Sendable, Hashable {
        var site: String
        var epoch: Int64
        var started: ContinuousClock.Instant
        var ended: ContinuousClock.Instant?
    }

    private struct State {
        var running: Set<String> = []
        var mostAtOnce = 0
        var entries: [Entry] = []
    }

    private let state = Mutex(State())

    /// Guarded work of `site` started under `epoch`.
    func begin(_ site: String, epoch: Int64) {
        state.withLock { state in
            state.running.insert(site)
            state.mostAtOnce = max(state.mostAtOnce, state.running.count)
            state.entries.append(Entry(site: site, epoch: epoch, started: .now))
        }
    }

    /// Guarded work of `site` under `epoch` stopped.
    func end(_ site: String, epoch: Int64) {
        state.withLock { state in
            state.running.remove(site)
            if let index = state.entries.lastIndex(where: { $0.site == site && $0.epoch == epoch }) {
                state.entries[index].ended = .now
            }
        }
    }

    /// The largest number of sites whose guarded work ran at the same time.
    var mostAtOnce: Int { state.withLock { $0.mostAtOnce } }
    /// Every holding, in the order they started.
    var entries: [Entry] { state.withLock { $0.entries } }
    /// The sites whose work is running now.
    var running: Set<String> { state.withLock { $0.running } }
}

/// Collects an elector's transitions as they come, for assertions.
final class TransitionLog: Sendable {
    private let items = Mutex<[(ContinuousClock.Instant, LeaseTransition)]>([])

    func append(_ transition: LeaseTransition) { items.withLock { $0.append((.now, transition)) } }

    var all: [LeaseTransition] { items.withLock { $0.map(\.1) } }

    /// When the first transition matching `predicate` arrived.
    func firstTime(where predicate: (LeaseTransition) -> Bool) -> ContinuousClock.Instant? {
        items.withLock { $0.first { predicate($0.1) }?.0 }
    }
}

extension LeaseTransition {
    var isAcquired: Bool { if case .acquired = self { true } else { false } }
    var isLost: Bool { if case .lost = self { true } else { false } }
    var isReleased: Bool { if case .released = self { true } else { false } }
}
