import CouchDB
import Foundation

/// Runs `body` with a new single-shard database named `<prefix>_<random>`, deleted afterwards
/// whatever happens, so a benchmark never leaves its data on a real server.
func withScratchDatabase<T: Sendable>(
    on client: CouchClient, prefix: String, _ body: (CouchDatabase) async throws -> T
) async throws -> T {
    let database = client.database("\(prefix)_\(UInt32.random(in: 0...UInt32.max))")
    try await database.create(shards: 1)
    do {
        let result = try await body(database)
        try await database.delete()
        return result
    } catch {
        try? await database.delete()
        throw error
    }
}

/// A server URL split into the address workers are given and the credentials they read from
/// their environment (never their command line).
struct ServerCredentials: Sendable {
    /// The URL without user and password.
    let base: String
    let user: String
    let password: String

    /// Splits `url`; throws when it is not a URL.
    init(url: String) throws {
        guard var components = URLComponents(string: url), components.host != nil else { throw BenchmarkError("not a URL: \(url)") }
        user = components.user ?? "admin"
        password = components.password ?? ""
        components.user = nil
        components.password = nil
        guard let stripped = components.url else { throw BenchmarkError("not a URL: \(url)") }
        base = stripped.absoluteString
    }
}
