@testable import CouchDB
import Foundation
import JSON
import Synchronization
import TestSupport

/// A client for the test server with the admin's Basic credentials (or others).
func makeClient(
    _ couch: TestCouch, credentials: CouchCredentials? = nil, transport: (any HTTPTransport)? = nil
) throws -> CouchClient {
    try CouchClient(
        url: couch.baseURL.absoluteString,
        credentials: credentials ?? .basic(name: couch.adminName, password: couch.adminPassword),
        transport: transport,
        configuration: .init(
            requestTimeout: .seconds(20),
            retry: RetryPolicy(maxAttempts: 3, initialDelay: .milliseconds(20), maxDelay: .milliseconds(200))))
}

/// Runs `body` with a client for the test server, shut down afterwards whatever happens.
func withClient<T: Sendable>(
    _ couch: TestCouch, credentials: CouchCredentials? = nil, transport: (any HTTPTransport)? = nil,
    _ body: @Sendable (CouchClient) async throws -> T
) async throws -> T {
    let client = try makeClient(couch, credentials: credentials, transport: transport)
    do {
        let result = try await body(client)
        try await client.shutdown()
        return result
    } catch {
        try? await client.shutdown()
        throw error
    }
}

/// Runs `body` with a fresh database on the test server (one shard on CouchDB), deleted
/// afterwards, and the client shut down.
func withDatabase<T: Sendable>(
    _ prefix: String = "gasp_client",
    credentials: CouchCredentials? = nil,
    _ body: @Sendable (CouchDatabase, TestCouch) async throws -> T
) async throws -> T {
    try await withTestCouch { couch in
        let client = try makeClient(couch, credentials: credentials)
        let db = client.database(couch.uniqueDatabaseName(prefix))
        do {
            try await db.create(shards: 1)
            let result = try await body(db, couch)
            try? await db.delete()
            try await client.shutdown()
            return result
        } catch {
            try? await db.delete()
            try? await client.shutdown()
            throw error
        }
    }
}

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
