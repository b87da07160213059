import ArgumentParser
import Benchmarks
import Bootstrap
import CouchDB
import EmbeddedCouch
import Foundation
import Logging

/// `gasp bench`: the figures the issues set goals for, measured in one run.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure gasp's speed (use a release build: swift run -c release gasp bench …).",
        subcommands: [StoreBench.self, ViewsBench.self, EnqueueBench.self, FailoverBench.self, CycleBench.self, ChaosBench.self]
    )
}

/// `gasp bench store`.
struct StoreBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Bulk insert rate, single PUT latency and sequential GETs of the embedded store.",
        discussion: """
            Starts an embedded store on a loopback port with its data in a temporary directory. When GASP_TEST_COUCHDB_URL is set (http://admin:admin@127.0.0.1:5984) the same figures are measured on that server in the same run, with the ratio.
            """
    )

    @Option(help: "Documents written by the bulk insert.")
    var documents: Int = 100_000

    @Option(help: "Documents per _bulk_docs request.")
    var batchSize: Int = 1000

    func run() async throws {
        #if DEBUG
        print("note: this is a debug build; figures are only meaningful from `swift run -c release gasp bench store`")
        #endif
        let benchmark = StoreBenchmark(documents: documents, batchSize: batchSize)
        let (embedded, reference) = try await measureOnEmbeddedAndReference { try await benchmark.run(on: $0, progress: $1) }
        let table = StoreBenchmark.table(
            embedded: embedded, reference: reference, referenceName: reference == nil ? nil : "couchdb",
            documents: documents, reads: benchmark.reads)
        print(table.rendered(), terminator: "")
    }
}

/// `gasp bench views`.
struct ViewsBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "views",
        abstract: "Index build rate, key-lookup latency and a group_level=2 reduce of the embedded store.",
        discussion: "With GASP_TEST_COUCHDB_URL set, the same figures for that server in the same run, with the ratio."
    )

    @Option(help: "Documents in the database.")
    var documents: Int = 100_000

    func run() async throws {
        #if DEBUG
        print("note: this is a debug build; figures are only meaningful from `swift run -c release gasp bench views`")
        #endif
        let benchmark = ViewBenchmark(documents: documents)
        let (embedded, reference) = try await measureOnEmbeddedAndReference { try await benchmark.run(on: $0, progress: $1) }
        let table = ViewBenchmark.table(
            embedded: embedded, reference: reference, referenceName: reference == nil ? nil : "couchdb", documents: documents)
        print(table.rendered(), terminator: "")
    }
}

/// `gasp bench enqueue`.
struct EnqueueBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enqueue",
        abstract: "Passes created per second by gasp enqueue (100k (run, module) passes by default).",
        discussion: "Registers the runs, then times `enqueue -R` creating a Processing and an Analysis pass per run, and a repeat of the same request, which creates nothing. With GASP_TEST_COUCHDB_URL set, the same against that server in the same run."
    )

    @Option(help: "Runs to enqueue (two passes each).")
    var runs: Int = 50_000

    @Option(help: "Documents per _bulk_docs request.")
    var batchSize: Int = 1000

    @Option(help: "The Views directory (default: $GASP_VIEWS, ./Views, or the one beside the gasp executable).")
    var views: String?

    func run() async throws {
        #if DEBUG
        print("note: this is a debug build; figures are only meaningful from `swift run -c release gasp bench enqueue`")
        #endif
        let documents = try DesignDocumentSource.load(from: try ViewsDirectory.locate(explicit: views))
        let benchmark = EnqueueBenchmark(runs: runs, batchSize: batchSize, designDocuments: documents)
        let (embedded, reference) = try await measureOnEmbeddedAndReference { try await benchmark.run(on: $0, progress: $1) }
        let table = EnqueueBenchmark.table(embedded: embedded, reference: reference, referenceName: reference == nil ? nil : "couchdb")
        print(table.rendered(), terminator: "")
    }
}

/// Runs `measure` on an embedded store, then on the server `GASP_TEST_COUCHDB_URL` names when it
/// is set (nil otherwise).
func measureOnEmbeddedAndReference<T: Sendable>(
    _ measure: @Sendable (CouchClient, @escaping @Sendable (String) -> Void) async throws -> T
) async throws -> (embedded: T, reference: T?) {
    let embedded = try await withBenchStore { url in try await measureWithClient(url: url, label: "embedded", measure) }
    guard let url = ProcessInfo.processInfo.environment["GASP_TEST_COUCHDB_URL"], !url.isEmpty else { return (embedded, nil) }
    return (embedded, try await measureWithClient(url: url, label: "GASP_TEST_COUCHDB_URL", measure))
}

/// Runs `measure` with a client for `url`, printing its progress lines on standard error, and
/// shuts the client down whatever happens.
func measureWithClient<T: Sendable>(
    url: String, label: String,
    _ measure: @Sendable (CouchClient, @escaping @Sendable (String) -> Void) async throws -> T
) async throws -> T {
    let client = try CouchClient(url: url)
    do {
        let figures = try await measure(client) { step in
            FileHandle.standardError.write(Data("[\(label)] \(step)\n".utf8))
        }
        try await client.shutdown()
        return figures
    } catch {
        try? await client.shutdown()
        throw error
    }
}

/// Runs `body` with the URL (admin credentials included) of an embedded store that lives in a
/// temporary directory for the duration of the call.
func withBenchStore<T: Sendable>(_ body: @Sendable (String) async throws -> T) async throws -> T {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gasp-bench-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let password = UUID().uuidString
    var configuration = EmbeddedCouchConfiguration(dataDirectory: directory.path)
    configuration.port = 0
    configuration.admin = ServerAdmin(name: "bench", password: password)
    var logger = Logger(label: "gasp.bench.store")
    logger.logLevel = .warning
    return try await EmbeddedCouchServer.withRunning(configuration: configuration, logger: logger) { port in
        try await body("http://bench:\(password)@127.0.0.1:\(port)")
    }
}

/// A fleet benchmark's run: the client, the server URL, a step that installs the design
/// documents into the benchmark's database, and a progress line printer.
typealias FleetBenchmarkRun<T> = @Sendable (
    CouchClient, String, @escaping @Sendable (CouchDatabase) async throws -> Void, @escaping @Sendable (String) -> Void
) async throws -> T

/// Runs a benchmark of worker processes on the embedded store, or with `couchdb` on the server
/// in `GASP_TEST_COUCHDB_URL`, its database bootstrapped with the design documents in `views`.
func measureFleet<T: Sendable>(label: String, views: String?, couchdb: Bool, _ run: @escaping FleetBenchmarkRun<T>) async throws -> T {
    let source = try DesignDocumentSource.load(from: try ViewsDirectory.locate(explicit: views))
    let measure: @Sendable (String) async throws -> T = { url in
        try await measureWithClient(url: url, label: label) { client, progress in
            try await run(client, url, { database in
                let bootstrapper = Bootstrapper(documents: source)
                try await bootstrapper.apply(try await bootstrapper.plan(client: database.client, databases: [database.name]), client: database.client)
            }, progress)
        }
    }
    guard couchdb else { return try await withBenchStore { url in try await measure(url) } }
    guard let url = ProcessInfo.processInfo.environment["GASP_TEST_COUCHDB_URL"], !url.isEmpty else {
        throw ValidationError("--couchdb needs GASP_TEST_COUCHDB_URL")
    }
    return try await measure(url)
}
