import Backends
import CouchDB
import Enqueue
import Foundation
import JSON
import Lease
import Logging
import Processing
import Synchronization
import Worker

/// `gasp bench cycle`: the gasp cycle against a store, with a batch backend that does nothing.
///
/// - Claim and submit: `passes` waiting passes; one cycle with room for all of them claims,
///   submits and records them (two bulk writes and one submission each); passes per second.
/// - Idle cycle: `idleJobs` job documents none of which needs anything (their passes completed),
///   the views built; how long a cycle takes that finds nothing to do (p50 of five).
public struct CycleBenchmark: Sendable {
    /// Waiting passes claimed and submitted.
    public var passes: Int
    /// Job documents in the idle database.
    public var idleJobs: Int

    /// A benchmark of these sizes.
    public init(passes: Int, idleJobs: Int) {
        self.passes = passes
        self.idleJobs = idleJobs
    }

    /// What was measured.
    public struct Figures: Sendable {
        public var claimRate: Double
        public var claimed: Int
        public var idleCycle: Duration
    }

    static let catalogue = """
        version: bench
        modules:
          Noop:
            kind: script
            level: run
            command: "true"
            outputs: []
        """

    /// Runs both measurements in scratch databases on `client`'s server, each readied by `prepare`.
    public func run(
        on client: CouchClient, prepare: @Sendable (CouchDatabase) async throws -> Void, progress: @escaping @Sendable (String) -> Void
    ) async throws -> Figures {
        defer { try? FileManager.default.removeItem(at: Self.outputRoot) }
        let (rate, claimed) = try await withScratchDatabase(on: client, prefix: "gasp_bench_claim") { database in
            try await prepare(database)
            try await insert(passes, into: database, status: .waiting, progress: progress)
            let cycle = try makeCycle(database, capacity: passes)
            _ = try await database.view("queues", "runlevel", ViewQuery(limit: 1))
            progress("claiming \(passes) passes in one cycle")
            let started = ContinuousClock.now
            let summary = try await cycle.runCycle(Self.term, context: Self.context)
            let elapsed = started.duration(to: .now)
            let claimed = summary.counts["submitted"] ?? 0
            return (Double(claimed) / elapsed.secondsValue, claimed)
        }
        let idle = try await withScratchDatabase(on: client, prefix: "gasp_bench_idle") { database in
            try await prepare(database)
            try await insert(idleJobs, into: database, status: .completed, progress: progress)
            let cycle = try makeCycle(database, capacity: 100)
            progress("building the views over \(idleJobs) jobs")
            _ = try await cycle.runCycle(Self.term, context: Self.context)
            var samples = LatencySamples()
            for _ in 0..<5 {
                let started = ContinuousClock.now
                let summary = try await cycle.runCycle(Self.term, context: Self.context)
                samples.add(started.duration(to: .now))
                guard summary.counts.isEmpty else { throw BenchmarkError("the idle cycle did something: \(summary.counts)") }
            }
            return Duration.milliseconds(samples.percentileMilliseconds(50))
        }
        return Figures(claimRate: rate, claimed: claimed, idleCycle: idle)
    }

    /// The figures as a table.
    public static func table(_ figures: Figures, passes: Int, idleJobs: Int) -> BenchmarkTable {
        BenchmarkTable(title: "gasp bench cycle (\(figures.claimed) of \(passes) passes claimed; idle over \(idleJobs) jobs)", rows: [
            .init(name: "claim + submit", unit: "passes/s", higherIsBetter: true, embedded: figures.claimRate, goal: 1000),
            .init(name: "cycle with nothing to do, p50", unit: "ms", higherIsBetter: false, embedded: figures.idleCycle.milliseconds, goal: 2000),
        ])
    }

    static let outputRoot = FileManager.default.temporaryDirectory.appendingPathComponent("gasp-bench-cycle-\(getpid())")
    static let term = LeaseTerm(scope: "bench", holder: LeaseHolder(site: "bench", instance: "bench"), epoch: 1, mode: .hold, stillHeld: { true })
    static let context = CycleContext(site: "bench", liveSites: ["bench"], knownSites: ["bench"])

    func makeCycle(_ database: CouchDatabase, capacity: Int) throws -> ProcessingCycle {
        var logger = Logger(label: "gasp.bench.cycle")
        logger.logLevel = .warning
        return ProcessingCycle(
            database: database, backend: NoopBackend(),
            settings: CycleSettings(capacity: capacity, outputRoot: Self.outputRoot.path, claimBatch: capacity),
            logger: logger)
    }

    /// `count` one-pass jobs of module Noop, waiting or completed.
    func insert(_ count: Int, into database: CouchDatabase, status: PassStatus, progress: @Sendable (String) -> Void) async throws {
        _ = try await database.put(try CatalogueStore.parse(Self.catalogue, file: "bench").document)
        let created = Date()
        for start in stride(from: 0, to: count, by: 2000) {
            let documents: [JSONValue] = (start..<min(start + 2000, count)).map { run in
                var pass = Pass(pass: 1, version: "bench", created: created, subjobs: [Subjob(subrun: nil)])
                if status == .completed {
                    try? pass.transition(to: .submitted, at: created)
                    try? pass.transition(to: .completed, at: created)
                }
                return JobDocument(module: "Noop", run: run, runType: "Physics", passes: [pass]).json
            }
            for result in try await database.bulkDocs(documents) { _ = try result.get() }
        }
        progress("inserted \(count) jobs (\(status.rawValue))")
    }
}

/// A batch system that accepts everything and runs nothing: its jobs stay queued.
struct NoopBackend: BatchBackend {
    let kind = "noop"
    let counter = Counter()

    func submit(_ request: BackendJobRequest) async throws(BackendError) -> BackendJobID { BackendJobID("\(counter.next())") }
    func status(of ids: [BackendJobID]) async throws(BackendError) -> [BackendJobID: BackendJobState] {
        Dictionary(uniqueKeysWithValues: ids.map { ($0, BackendJobState(.queued, raw: "queued")) })
    }
    func cancel(_ ids: [BackendJobID]) async throws(BackendError) {}
    func find(namePrefix prefix: String) async throws(BackendError) -> [BackendJobMatch] { [] }
    func outputs(of id: BackendJobID, files: BackendOutputFiles?, tailBytes: Int) async throws(BackendError) -> BackendJobOutputs {
        BackendJobOutputs(standardOutputTail: "", standardErrorTail: "")
    }

    final class Counter: Sendable {
        let value = Mutex<Int>(0)
        func next() -> Int { value.withLock { $0 += 1; return $0 } }
    }
}
