import Backends
import CouchDB
import Enqueue
import Foundation
import JSON
import Lease
import Logging
import Processing
import TestSupport
@testable import Worker

/// The cycle's fixture with a local batch backend in its scratch directory.
typealias CycleFixture = BatchCycleFixture<LocalBackend>

extension BatchCycleFixture where Backend == LocalBackend {
    /// Runs `body` with a fresh fixture over a local backend; everything is removed afterwards.
    static func with(
        capacity: Int = 50, sense: CycleSettings.Sense? = nil, schedules: [CycleSettings.Schedule] = [],
        clock: @escaping @Sendable () -> Date = { Date() }, _ body: @Sendable (CycleFixture) async throws -> Void
    ) async throws {
        try await with(backend: { root in try LocalBackend(stateDirectory: root.appendingPathComponent("backend")) },
                       capacity: capacity, sense: sense, schedules: schedules, clock: clock, body)
    }
}

/// A bootstrapped database, a catalogue of small shell-script modules that write real output
/// files, a batch backend, a scratch directory for the outputs, and a cycle over them, for one test.
struct BatchCycleFixture<Backend: BatchBackend>: Sendable {
    let database: CouchDatabase
    let backend: Backend
    let cycle: ProcessingCycle
    let root: URL
    let term: LeaseTerm
    static var version: String { "t1" }

    /// The test catalogue: Processing (one subjob per subfile, two outputs each), Analysis (run
    /// level, after Processing), Summary (run level, reading every Processing file through
    /// `{inputs}`), Copy (per subfile, reading its subrun's file through `{input}`), Flaky (its subrun 1 fails with a transient error), Broken (a
    /// non-transient failure) and Silent (exits 0 without its output).
    static var catalogue: String { """
        version: t1
        defaults:
          retry: {max_attempts: 2, initial_delay_seconds: 0, multiplier: 1, max_delay_seconds: 0, jitter: 0, transient: ["Connection reset"]}
        modules:
          Processing:
            kind: script
            level: sub_run
            command: "echo ratds {run} {subrun} > Processing_r{run10}_s{subrun}_p{pass}.root; echo ntuple > Processing_r{run10}_s{subrun}_p{pass}.ntuple"
            outputs:
              - {data_type: ratds, pattern: "Processing_r{run10}_s{subrun}_p{pass}.root"}
              - {data_type: ntuple, pattern: "Processing_r{run10}_s{subrun}_p{pass}.ntuple"}
          Analysis:
            kind: script
            level: run
            prerequisites: [Processing]
            command: "echo analysis {run} > Analysis_r{run10}_p{pass}.root"
            outputs:
              - {data_type: ntuple, pattern: "Analysis_r{run10}_p{pass}.root"}
          Summary:
            kind: script
            level: run
            prerequisites: [Processing]
            command: "echo {inputs} > Summary_r{run10}_p{pass}.txt; cat {inputs:ntuple} >> Summary_r{run10}_p{pass}.txt"
            outputs:
              - {data_type: summary, pattern: "Summary_r{run10}_p{pass}.txt"}
          Copy:
            kind: script
            level: sub_run
            prerequisites: [Processing]
            command: "cp {input} Copy_r{run10}_s{subrun}.root"
            outputs:
              - {data_type: ratds, pattern: "Copy_r{run10}_s{subrun}.root"}
          Flaky:
            kind: script
            level: sub_run
            command: "if [ {subrun} = 1 ]; then echo 'Connection reset by peer' >&2; exit 3; fi; echo ok > Flaky_r{run10}_s{subrun}.txt"
            outputs:
              - {data_type: text, pattern: "Flaky_r{run10}_s{subrun}.txt"}
          Broken:
            kind: script
            level: run
            command: "echo 'segmentation violation' >&2; exit 139"
            outputs:
              - {data_type: text, pattern: "Broken_r{run10}.txt"}
          Grabber:
            kind: script
            level: run
            command: "echo '{window_start} {window_end}' > Grab_r{run}.dat"
            outputs:
              - {data_type: window_data, pattern: "Grab_r{run}.dat"}
          Silent:
            kind: script
            level: run
            command: "true"
            outputs:
              - {data_type: text, pattern: "Silent_r{run10}.txt"}
        run_types:
          Physics: [Processing, Analysis]
        """ }

    /// Runs `body` with a fresh fixture whose backend `makeBackend` makes (given the scratch
    /// directory); everything is removed afterwards.
    static func with(
        backend makeBackend: @Sendable (URL) throws -> Backend, capacity: Int = 50, sense: CycleSettings.Sense? = nil,
        schedules: [CycleSettings.Schedule] = [], clock: @escaping @Sendable () -> Date = { Date() },
        _ body: @Sendable (BatchCycleFixture) async throws -> Void
    ) async throws {
        try await withDatabase("gasp_cycle") { database, _ in
            try await installViews(into: database)
            let catalogue = try CatalogueStore.parse(catalogue, file: "test-catalogue.yaml")
            _ = try await database.put(catalogue.document)
            let root = FileManager.default.temporaryDirectory.appendingPathComponent("gasp-cycle-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: root) }
            let backend = try makeBackend(root)
            var logger = Logger(label: "gasp.test.cycle")
            logger.logLevel = .warning
            let cycle = ProcessingCycle(
                database: database, backend: backend,
                settings: CycleSettings(
                    capacity: capacity, outputRoot: root.appendingPathComponent("out").path, sense: sense, schedules: schedules),
                logger: logger, clock: clock)
            let term = LeaseTerm(scope: "processing", holder: LeaseHolder(site: "site-a", instance: "test"), epoch: 1, mode: .hold, stillHeld: { true })
            try await body(BatchCycleFixture(database: database, backend: backend, cycle: cycle, root: root, term: term))
        }
    }

    /// Another cycle over the same database and backend (a second holder after a failover).
    func cycle(settings: CycleSettings, clock: @escaping @Sendable () -> Date) -> ProcessingCycle {
        var logger = Logger(label: "gasp.test.cycle")
        logger.logLevel = .warning
        return ProcessingCycle(database: database, backend: backend, settings: settings, logger: logger, clock: clock)
    }

    /// A context for site-a, alone and live.
    var context: CycleContext { CycleContext(site: "site-a", liveSites: ["site-a"], knownSites: ["site-a"]) }

    /// Writes one waiting pass of `module` for each run.
    func enqueue(_ module: String, runs: [Int], subfiles: Int = 2, prerequisite: PrerequisiteLink? = nil) async throws {
        let catalogue = try CatalogueStore.parse(Self.catalogue, file: "test-catalogue.yaml")
        let definition = try require(catalogue.module(module), "module \(module)")
        let documents: [JSONValue] = runs.map { run in
            let pass = Pass(
                pass: 1, version: Self.version, created: Date(), prerequisites: prerequisite.map { [$0] } ?? [],
                maxAttempts: definition.retry.maxAttempts, subjobs: definition.subjobs(subfiles: subfiles))
            return JobDocument(module: module, run: run, runType: "Physics", passes: [pass]).json
        }
        for result in try await database.bulkDocs(documents) { _ = try result.get() }
    }

    /// The job of `module` for `run`.
    func job(_ module: String, _ run: Int) async throws -> JobDocument {
        try JobDocument(json: try await database.get(JobDocument.id(module: module, run: run)))
    }

    /// Writes the first pass of `module` for each run as claimed by `site` (attempt 1, its batch
    /// job named, and the batch id `backendID` or none), as a holder that died between its
    /// claim and recording the submission would leave it.
    func markClaimed(_ module: String, runs: [Int], site: String = "site-a", backendID: String? = nil) async throws {
        for run in runs {
            var job = try await job(module, run)
            job.passes[0].attempts = 1
            job.passes[0].site = site
            job.passes[0].subjobs[0].status = .submitted
            job.passes[0].subjobs[0].backendName = "gasp.\(module).\(RunNumber.padded(run)).p1.a1"
            job.passes[0].subjobs[0].backendID = backendID
            try job.passes[0].transition(to: .submitted, at: Date(), site: site, epoch: 1, reason: "claimed")
            _ = try await database.put(term.fenced(job.json))
        }
    }

    /// Submits Analysis's attempt-1 batch job for `run` by hand, as the dead holder did.
    @discardableResult
    func submitAnalysisByHand(run: Int) async throws -> BackendJobID {
        let padded = RunNumber.padded(run)
        let directory = root.appendingPathComponent("out/Analysis/\(padded)/p1/a1").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return try await backend.submit(BackendJobRequest(
            name: "gasp.Analysis.\(padded).p1.a1", script: "echo analysis \(run) > Analysis_r\(padded)_p1.root",
            workingDirectory: directory, standardOutputPath: directory + "/job.out", standardErrorPath: directory + "/job.err"))
    }

    /// The status of the first pass of `module` for each run.
    func statuses(_ module: String, _ runs: [Int]) async throws -> [PassStatus] {
        var result: [PassStatus] = []
        for run in runs { result.append(try await job(module, run).passes[0].status) }
        return result
    }

    /// Runs cycles (as `context` says, `pause` apart) until `done` holds, at most `seconds`.
    @discardableResult
    func cycles(
        within seconds: Double, context: CycleContext? = nil, pause: Duration = .milliseconds(50),
        until done: () async throws -> Bool
    ) async throws -> Bool {
        let deadline = ContinuousClock.now.advanced(by: .seconds(seconds))
        while ContinuousClock.now < deadline {
            _ = try await cycle.runCycle(term, context: context ?? self.context)
            if try await done() { return true }
            try await Task.sleep(for: pause)
        }
        return try await done()
    }
}

func require<T>(_ value: T?, _ what: String = "value") throws -> T {
    guard let value else { throw TestSupportError("\(what) is missing") }
    return value
}
