import Bootstrap
import CouchDB
@testable import Enqueue
import Foundation
import JSON
import Processing
import TestSupport

/// A database with the repository's `Views/` installed and the example catalogue, for the
/// store tests of job creation.
enum EnqueueFixture {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized
    static var catalogueFile: String { repository.appendingPathComponent("Ops/examples/catalogue-7.0.9.yaml").path }

    static let catalogue: ModuleCatalogue = try! CatalogueStore.load(path: catalogueFile)

    static let spec = EnqueueSpec(version: "7.0.9", inputKind: "L2")

    /// Runs `body` with a fresh database holding `Views/`, deleted afterwards.
    static func withDatabase<T: Sendable>(_ body: @Sendable (CouchDatabase) async throws -> T) async throws -> T {
        try await withTestCouch { couch in
            try await withClient(couch) { client in
                let name = couch.uniqueDatabaseName("gasp_enqueue")
                let bootstrapper = Bootstrapper(documents: try DesignDocumentSource.load(from: repository.appendingPathComponent("Views")))
                try await bootstrapper.apply(try await bootstrapper.plan(client: client, databases: [name]), client: client)
                let database = client.database(name)
                do {
                    let result = try await body(database)
                    try? await database.delete()
                    return result
                } catch {
                    try? await database.delete()
                    throw error
                }
            }
        }
    }

    /// Registers runs (Physics unless `types` says otherwise).
    static func register(_ database: CouchDatabase, _ runs: [Int], types: [Int: String] = [:], subfiles: Int = 2,
                         incomplete: Set<Int> = [], pending: Set<Int> = []) async throws {
        let documents = runs.map {
            RunDocument(run: $0, runType: types[$0] ?? "Physics", complete: !incomplete.contains($0), subfiles: subfiles,
                        processingStatus: pending.contains($0) ? .pending : nil)
        }
        let result = try await RunRegistry(database: database).register(documents)
        precondition(result.failures.isEmpty)
    }

    static func creator(_ database: CouchDatabase, epoch: Int64? = nil) -> JobCreator {
        JobCreator(database: database, catalogue: catalogue, epoch: epoch, batchSize: 7)
    }

    static func job(_ database: CouchDatabase, _ module: String, _ run: Int) async throws -> JobDocument? {
        try await database.getIfExists(JobDocument.id(module: module, run: run)).map { try JobDocument(json: $0) }
    }

    static func run(_ database: CouchDatabase, _ run: Int) async throws -> RunDocument {
        try RunDocument(json: try await database.get(RunDocument.id(run: run)))
    }

    /// How many job documents there are.
    static func jobCount(_ database: CouchDatabase) async throws -> Int {
        try await database.allDocs(.prefix("job:")).rows.count
    }
}
