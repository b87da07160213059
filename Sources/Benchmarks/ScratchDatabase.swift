import CouchDB

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
