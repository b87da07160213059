import Bootstrap
import CouchDB
import Enqueue
import Foundation
import JSON
import Processing

/// `gasp bench enqueue`: how fast `gasp enqueue` creates passes. Registers `runs` Physics
/// runs, then times one reprocessing (`-R 1 runs`) that creates a Processing and an Analysis
/// pass per run (Analysis linked to Processing), in a database with `Views/` installed so every
/// write passes the fencing `validate_doc_update`.
public struct EnqueueBenchmark: Sendable {
    /// How many runs (two passes each).
    public var runs: Int
    /// Documents per `_bulk_docs` request.
    public var batchSize: Int
    /// The design documents to install first.
    public var designDocuments: [DesignDocument]

    public init(runs: Int = 50_000, batchSize: Int = 1000, designDocuments: [DesignDocument]) {
        self.runs = runs
        self.batchSize = batchSize
        self.designDocuments = designDocuments
    }

    /// What one server measured.
    public struct Figures: Sendable {
        /// Passes created.
        public var passes: Int
        /// Seconds the enqueue took.
        public var seconds: Double
        /// Passes per second.
        public var rate: Double { seconds > 0 ? Double(passes) / seconds : 0 }
        /// Seconds a repeat of the same request took (creating nothing).
        public var repeatSeconds: Double
    }

    /// The catalogue the benchmark enqueues with.
    public static func catalogue() throws -> ModuleCatalogue {
        let source: JSONValue = [
            "version": "bench",
            "modules": [
                "Processing": ["kind": "macro", "level": "sub_run", "command": "process {run} {subrun}",
                               "outputs": [["data_type": "ratds", "pattern": "P_{run10}_{subrun}_{pass}.root"]]],
                "Analysis": ["kind": "macro", "level": "run", "command": "analyse {run}", "prerequisites": ["Processing"],
                             "outputs": [["data_type": "ntuple", "pattern": "A_{run10}_{pass}.root"]]],
            ],
            "run_types": ["Physics": ["Processing", "Analysis"]],
        ]
        return try ModuleCatalogue(json: source, source: "bench")
    }

    /// Runs the measurement in a fresh database on `client`'s server, then deletes it.
    public func run(on client: CouchClient, progress: @Sendable (String) -> Void = { _ in }) async throws -> Figures {
        try await withScratchDatabase(on: client, prefix: "gasp_bench_enqueue") { database in
            let bootstrapper = Bootstrapper(documents: designDocuments)
            try await bootstrapper.apply(try await bootstrapper.plan(client: client, databases: [database.name]), client: client)
            progress("registering \(runs) runs")
            let registrations = (1...runs).map { RunDocument(run: $0, runType: "Physics", complete: true, subfiles: 1) }
            let registered = try await RunRegistry(database: database, batchSize: batchSize).register(registrations)
            guard registered.failures.isEmpty else { throw BenchmarkError("run registration failed: \(registered.failures.prefix(3))") }

            let creator = JobCreator(database: database, catalogue: try Self.catalogue(), batchSize: batchSize)
            let spec = EnqueueSpec(version: "bench", inputKind: "L2")
            progress("enqueue -R 1 \(runs): \(2 * runs) passes")
            let clock = ContinuousClock()
            var outcome = EnqueueOutcome()
            let elapsed = try await clock.measure {
                outcome = try await creator.enqueue(spec, selection: .range(1, runs))
            }
            guard outcome.failures.isEmpty, outcome.created.count == 2 * runs else {
                throw BenchmarkError("enqueue created \(outcome.created.count) of \(2 * runs) passes; \(outcome.failures.count) failures")
            }
            progress("the same request again (creates nothing)")
            var again = EnqueueOutcome()
            let repeatElapsed = try await clock.measure {
                again = try await creator.enqueue(spec, selection: .range(1, runs))
            }
            guard again.created.isEmpty else { throw BenchmarkError("the repeat created \(again.created.count) passes") }
            return Figures(passes: outcome.created.count, seconds: elapsed.secondsValue, repeatSeconds: repeatElapsed.secondsValue)
        }
    }

    /// The figures as a table.
    public static func table(embedded: Figures, reference: Figures?, referenceName: String?) -> BenchmarkTable {
        BenchmarkTable(title: "gasp bench enqueue: \(embedded.passes) (run, module) passes", rows: [
            .init(name: "enqueue -R", unit: "passes/s", higherIsBetter: true, embedded: embedded.rate, reference: reference?.rate,
                  goal: Double(embedded.passes) / 10),
            .init(name: "enqueue -R total", unit: "s", higherIsBetter: false, embedded: embedded.seconds, reference: reference?.seconds, goal: 10),
            .init(name: "same request again", unit: "s", higherIsBetter: false, embedded: embedded.repeatSeconds, reference: reference?.repeatSeconds, goal: nil),
        ], referenceName: referenceName)
    }
}
