import CouchDB
import Synchronization

/// A transport in front of the real one that can make the lease document's writes fail, hang,
/// or come back as a cluster's 202 Accepted instead of 201 Created.
final class InterceptingTransport: HTTPTransport {
    /// What happens to writes (PUT) of lease documents.
    enum LeaseWrites: Sendable {
        /// Sent as they are.
        case pass
        /// Fail at once as if the store were unreachable.
        case fail
        /// Held back while the mode stays `hang` (or until the request is cancelled).
        case hang
        /// Sent; a 201 answer is rewritten to 202.
        case accepted
    }

    private let inner: any HTTPTransport
    private let mode = Mutex(LeaseWrites.pass)
    private let everything = Mutex(false)
    private let beforeAccepted: (@Sendable (TransportRequest) async throws -> Void)?

    /// Wraps `inner`; `beforeAccepted` runs before a rewritten 202 is handed back (to write a
    /// conflicting revision the way a concurrent writer on another cluster node would).
    init(_ inner: any HTTPTransport, beforeAccepted: (@Sendable (TransportRequest) async throws -> Void)? = nil) {
        self.inner = inner
        self.beforeAccepted = beforeAccepted
    }

    /// Changes what happens to lease writes from now on.
    func setLeaseWrites(_ value: LeaseWrites) { mode.withLock { $0 = value } }

    /// When true, every request (reads too) is held back, as for a process cut off from the store.
    func setCutOff(_ value: Bool) { everything.withLock { $0 = value } }

    /// A PUT of a lease document.
    func isLeaseWrite(_ request: TransportRequest) -> Bool {
        request.method == .PUT && (request.url.contains("/lease:") || request.url.contains("/lease%3A"))
    }

    func send(_ request: TransportRequest) async throws -> TransportResponse {
        // A stalled network: requests wait (until cancelled) while the test keeps it stalled.
        while everything.withLock({ $0 }) || (isLeaseWrite(request) && mode.withLock { $0 } == .hang) {
            try await Task.sleep(for: .milliseconds(5))
        }
        let mode = isLeaseWrite(request) ? self.mode.withLock { $0 } : .pass
        switch mode {
        case .pass, .hang:
            return try await inner.send(request)
        case .fail:
            throw TransportError(kind: .notConnected, message: "lease writes cut off by the test")
        case .accepted:
            var response = try await inner.send(request)
            if response.status == 201 {
                try await beforeAccepted?(request)
                response.status = 202
            }
            return response
        }
    }

    func shutdown() async throws {
        try await inner.shutdown()
    }
}
