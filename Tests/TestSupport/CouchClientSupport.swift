import CouchDB
import Foundation

/// A client for the test server with the admin's Basic credentials (or others).
public func makeClient(
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
public func withClient<T: Sendable>(
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
public func withDatabase<T: Sendable>(
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

