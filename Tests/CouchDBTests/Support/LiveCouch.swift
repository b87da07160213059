@testable import CouchDB
import Foundation
import JSON
import Synchronization
import TestSupport

/// A transport that forwards to another one but fails chosen requests first, to show that the
/// client survives transport failures against a real server.
final class FlakyTransport: HTTPTransport {
    private struct State {
        var failuresLeft: Int
        var sent = 0
        var failed = 0
    }

    private let inner: any HTTPTransport
    private let state: Mutex<State>
    private let matching: @Sendable (TransportRequest) -> Bool

    /// Fails the first `failures` requests that `matching` selects as a connection reset would.
    init(_ inner: any HTTPTransport, failures: Int, matching: @escaping @Sendable (TransportRequest) -> Bool) {
        self.inner = inner
        self.state = Mutex(State(failuresLeft: failures))
        self.matching = matching
    }

    /// Makes the next `count` matching requests fail.
    func failNext(_ count: Int) {
        state.withLock { $0.failuresLeft = count }
    }

    /// Requests sent through this transport, failed ones included.
    var requestCount: Int { state.withLock { $0.sent } }
    /// Requests this transport failed.
    var failedCount: Int { state.withLock { $0.failed } }

    func send(_ request: TransportRequest) async throws -> TransportResponse {
        let fail = state.withLock { state -> Bool in
            state.sent += 1
            guard state.failuresLeft > 0, matching(request) else { return false }
            state.failuresLeft -= 1
            state.failed += 1
            return true
        }
        if fail { throw TransportError(kind: .failed, message: "injected connection reset") }
        return try await inner.send(request)
    }

    func shutdown() async throws {
        try await inner.shutdown()
    }
}
