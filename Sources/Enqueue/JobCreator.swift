import CouchDB
import Foundation
import JSON
import Processing

/// Creates job passes in the database: the writing half of `gasp enqueue` and what run
/// sensing, pending runs and production requests share.
///
/// The whole input is planned and checked first (``PassPlanner``); with any problem nothing is
/// written. Writes go in bulk, prerequisites before dependants (so a dependant links to the
/// pass number its prerequisite really got); a job document someone else wrote in between
/// (409) is read again and planned again, up to `maxConflictRetries` times. Any document still
/// not written is reported per document; running the same request again writes exactly those,
/// because every pass carries its request id.
public struct JobCreator: Sendable {
    public var database: CouchDatabase
    public var catalogue: ModuleCatalogue
    /// The lease epoch to stamp on every document written (nil: keep each document's own).
    public var epoch: Int64?
    /// The site creating the passes, for their history (nil for operator tools).
    public var site: String?
    /// The wall clock.
    public var now: @Sendable () -> Date
    /// Documents per request.
    public var batchSize: Int
    /// How often a conflicting job document is read and planned again.
    public var maxConflictRetries: Int
    /// Called after each batch written.
    public var progress: (@Sendable (EnqueueProgress) -> Void)?
    /// Called with the ids of each phase's job documents just before they are written (tests
    /// use it to write in between, as another enqueue would).
    var beforeJobWrite: (@Sendable ([String]) async throws -> Void)?

    /// Makes a creator.
    public init(
        database: CouchDatabase, catalogue: ModuleCatalogue, epoch: Int64? = nil, site: String? = nil,
        now: @escaping @Sendable () -> Date = { Date() }, batchSize: Int = 1000, maxConflictRetries: Int = 5,
        progress: (@Sendable (EnqueueProgress) -> Void)? = nil
    ) {
        self.database = database
        self.catalogue = catalogue
        self.epoch = epoch
        self.site = site
        self.now = now
        self.batchSize = batchSize
        self.maxConflictRetries = maxConflictRetries
        self.progress = progress
    }

    var access: DocumentAccess { DocumentAccess(database: database, batchSize: batchSize) }

    /// Reprocessing (`-R`, `-A`, `-1`, `-L`): reads the selected runs and creates a pass per
    /// (run, module) for them. Loop and pending selections are ``RunSensor`` and
    /// ``PendingRunEnqueuer``'s.
    public func enqueue(_ spec: EnqueueSpec, selection: RunSelection, dryRun: Bool = false) async throws -> EnqueueOutcome {
        var problems = selection.problems()
        guard problems.isEmpty else { throw EnqueueError(.invalidInput, "nothing was written", problems: problems) }
        let runs: [RunDocument]
        switch selection {
        case .range(let first, let last):
            runs = try await readRuns(from: first, through: last)
            if runs.isEmpty { problems.append(InputProblem(.unknownRun, source: "arguments", key: "START END", "no run is registered in \(first)…\(last)")) }
        case .after(let first):
            runs = try await readRuns(from: first, through: RunNumber.maximum)
            if runs.isEmpty { problems.append(InputProblem(.unknownRun, source: "arguments", key: "RUN", "no run is registered from \(first) on")) }
        case .runs(let list):
            let found = try await access.fetch(list.map(RunDocument.id(run:)))
            var read: [RunDocument] = []
            for run in Array(Set(list)).sorted() {
                guard let document = found[RunDocument.id(run: run)] else {
                    problems.append(InputProblem(.unknownRun, source: RunDocument.id(run: run), key: nil, "run \(run) is not registered (gasp runs add)"))
                    continue
                }
                read.append(try Self.runDocument(document))
            }
            runs = read
        case .startRun, .block, .pending:
            throw EnqueueError(.refused, "loop and pending modes are run by RunSensor and PendingRunEnqueuer")
        }
        guard problems.isEmpty else { throw EnqueueError(.invalidInput, "nothing was written", problems: problems) }
        return try await enqueue(runs: runs, spec: spec, selection: selection, dryRun: dryRun)
    }

    /// Creates passes for `runs`: plans them all, stops with every problem if there is any,
    /// else writes calibration locks, then job documents in dependency phases.
    ///
    /// With `isolatingRunProblems` (run sensing, pending runs), a problem that belongs to one
    /// run (no run type, not complete, a missing prerequisite pass) leaves that run out and is
    /// returned in ``EnqueueOutcome/runProblems``, instead of stopping every run.
    public func enqueue(
        runs: [RunDocument], spec: EnqueueSpec, selection: RunSelection, requestIDs: [Int: String] = [:], dryRun: Bool = false,
        isolatingRunProblems: Bool = false
    ) async throws -> EnqueueOutcome {
        let planner = PassPlanner(catalogue: catalogue, spec: spec, now: now(), site: site, epoch: epoch)
        if case let problems = planner.specProblems(), !problems.isEmpty {
            throw EnqueueError(.invalidInput, "nothing was written", problems: problems)
        }
        var jobs = try await readJobs(for: runs, spec: spec)
        let existingLocks = spec.ignoreCalibrationLock ? [] : try await CalibrationLocks(database: database, epoch: epoch).all()
        var runs = runs
        var full = planner.plan(runs: runs, jobs: jobs, locks: existingLocks, selection: selection, requestIDs: requestIDs)
        var runProblems: [InputProblem] = []
        while isolatingRunProblems, !full.problems.isEmpty, full.problems.allSatisfy({ Self.run(ofSource: $0.source) != nil }) {
            let bad = Set(full.problems.compactMap { Self.run(ofSource: $0.source) })
            runProblems += full.problems
            runs = runs.filter { !bad.contains($0.run) }
            full = planner.plan(runs: runs, jobs: jobs, locks: existingLocks, selection: selection, requestIDs: requestIDs)
        }
        guard full.problems.isEmpty else { throw EnqueueError(.invalidInput, "nothing was written", problems: full.problems) }

        var outcome = EnqueueOutcome()
        outcome.runProblems = runProblems
        outcome.runsConsidered = runs.count
        outcome.skipped = full.skipped.filter { if case .alreadyCreated = $0.reason { false } else { true } }
        outcome.alreadyCreated = full.alreadyCreatedCount
        outcome.firstHeldRun = full.firstHeldRun
        if dryRun {
            outcome.dryRun = true
            outcome.created = full.created
            outcome.locksSet = full.locks
            outcome.jobs = full.jobs
            return outcome
        }

        // Locks first: a crash after them re-finds the lock at the same run, which holds back
        // only later runs, so the calibration run's own jobs are still created on the rerun.
        var locks = existingLocks
        if !full.locks.isEmpty {
            let results = try await access.write(full.locks.map(\.json))
            for (lock, result) in zip(full.locks, results) {
                switch WriteVerdict(result, id: lock.id) {
                case .saved(let rev):
                    var written = lock
                    written.rev = rev
                    locks.removeAll { $0.kind == lock.kind }
                    locks.append(written)
                    outcome.locksSet.append(written)
                case .conflict:
                    throw EnqueueError(.conflict, "\(lock.id) changed while this enqueue ran; nothing else was written, run it again")
                case .fenced(let reason):
                    throw EnqueueError(.fenced, "\(lock.id): \(reason)")
                case .failed(let failure):
                    throw EnqueueError(.refused, "\(failure)")
                }
            }
        }

        let total = full.jobs.count
        let counter = WriteCounter(total: total, progress: progress)
        let skippedRuns = Set(full.skipped.filter { $0.module == nil }.map(\.run))
        let selected = runs.filter { !skippedRuns.contains($0.run) }
        var failedRuns: Set<Int> = []
        // While every write went as planned (no conflict re-read a job, no lock was written),
        // planning a phase again would give back the full plan's part of it: use that part.
        var fullPlanHolds = full.locks.isEmpty
        for phase in phases(of: full.jobs.map(\.module)) {
            // A run whose prerequisite job could not be written gets no dependants this time.
            var pending = selected.filter { !failedRuns.contains($0.run) }
            var attempt = 0
            while !pending.isEmpty {
                let plan = fullPlanHolds
                    ? full.part(modules: phase, runs: Set(pending.map(\.run)))
                    : planner.plan(runs: pending, jobs: jobs, locks: locks, selection: selection, requestIDs: requestIDs, emitting: phase)
                guard plan.problems.isEmpty else { throw EnqueueError(.invalidInput, "the database changed while writing; run the same command again", problems: plan.problems) }
                try await beforeJobWrite?(plan.jobs.map(\.id))
                let results = try await access.write(plan.jobs, serialize: \.serializedJSON) { counter.add($0) }
                var createdByJob: [String: [PassPlan.Created]] = [:]
                for created in plan.created { createdByJob[JobDocument.id(module: created.module, run: created.run), default: []].append(created) }
                var conflicted: [String] = []
                var conflictedRuns: Set<Int> = []
                for (job, result) in zip(plan.jobs, results) {
                    switch WriteVerdict(result, id: job.id) {
                    case .saved(let rev):
                        var written = job
                        written.rev = rev
                        jobs[job.id] = written
                        outcome.created += createdByJob[job.id] ?? []
                    case .conflict:
                        conflicted.append(job.id)
                        conflictedRuns.insert(job.run)
                    case .fenced(let reason):
                        throw EnqueueError(.fenced, "\(job.id): \(reason); the lease was lost, stop")
                    case .failed(let failure):
                        outcome.failures.append(failure)
                        failedRuns.insert(job.run)
                    }
                }
                guard !conflicted.isEmpty else { break }
                attempt += 1
                if attempt > maxConflictRetries {
                    outcome.failures += conflicted.map { DocumentFailure(id: $0, error: "conflict", reason: "still conflicting after \(maxConflictRetries) retries") }
                    failedRuns.formUnion(conflictedRuns)
                    break
                }
                fullPlanHolds = false
                let fresh = try await access.fetch(conflicted)
                for id in conflicted {
                    if let document = fresh[id] { jobs[id] = try Self.jobDocument(document) } else { jobs[id] = nil }
                }
                pending = pending.filter { conflictedRuns.contains($0.run) }
            }
        }
        outcome.jobs = full.jobs.map { jobs[$0.id] ?? $0 }
        // Report in the plan's order (run, then dependency), not the order of the phases.
        outcome.created = Self.inPlanOrder(outcome.created, plan: full.created)
        return outcome
    }

    /// `created` sorted as the passes appear in `plan` (a stable sort; each position is looked
    /// up once, not in every comparison).
    static func inPlanOrder(_ created: [PassPlan.Created], plan: [PassPlan.Created]) -> [PassPlan.Created] {
        var position: [String: Int] = [:]
        position.reserveCapacity(plan.count)
        for (index, pass) in plan.enumerated() { position[JobDocument.id(module: pass.module, run: pass.run)] = index }
        let keyed = created.enumerated().map { offset, pass in
            (position: position[JobDocument.id(module: pass.module, run: pass.run)] ?? 0, offset: offset, pass: pass)
        }
        return keyed.sorted { ($0.position, $0.offset) < ($1.position, $1.offset) }.map(\.pass)
    }

    /// The modules, grouped by prerequisite depth: those with no prerequisite among them first.
    func phases(of modules: [String]) -> [Set<String>] {
        let names = Set(modules)
        var depth: [String: Int] = [:]
        func depthOf(_ name: String, _ seen: Set<String>) -> Int {
            if let known = depth[name] { return known }
            let prerequisites = (catalogue.module(name)?.prerequisites ?? []).filter { names.contains($0) && !seen.contains($0) }
            let value = prerequisites.map { depthOf($0, seen.union([name])) + 1 }.max() ?? 0
            depth[name] = value
            return value
        }
        for name in names { _ = depthOf(name, []) }
        let maxDepth = depth.values.max() ?? 0
        return names.isEmpty ? [] : (0...maxDepth).map { level in Set(names.filter { depth[$0] == level }) }
    }

    /// The existing job documents the plan for `runs` may touch or link to.
    func readJobs(for runs: [RunDocument], spec: EnqueueSpec) async throws -> [String: JobDocument] {
        var ids: [String] = []
        for run in runs {
            let modules = spec.modules ?? run.runType.flatMap { catalogue.modules(forRunType: $0) } ?? []
            var names = Set(modules)
            for module in modules { names.formUnion(catalogue.module(module)?.prerequisites ?? []) }
            names.formUnion(spec.forcedPrerequisites.keys)
            ids += names.map { JobDocument.id(module: $0, run: run.run) }
        }
        var jobs: [String: JobDocument] = [:]
        for (id, document) in try await access.fetch(ids) { jobs[id] = try Self.jobDocument(document) }
        return jobs
    }

    /// Registered runs `first…last`, in run order.
    func readRuns(from first: Int, through last: Int) async throws -> [RunDocument] {
        var runs: [RunDocument] = []
        var start = RunDocument.id(run: first)
        let end = RunDocument.id(run: last)
        while true {
            let page = try await access.range(from: start, through: end, limit: batchSize + 1)
            for document in page.prefix(batchSize) { runs.append(try Self.runDocument(document)) }
            guard page.count > batchSize, let next = page.last?["_id"]?.stringValue else { break }
            start = next
        }
        return runs
    }

    /// The run a problem's source names (`run:0000000100`), if it names one.
    static func run(ofSource source: String) -> Int? {
        guard source.hasPrefix("run:") else { return nil }
        return Int(source.dropFirst(4))
    }

    static func jobDocument(_ json: JSONValue) throws(EnqueueError) -> JobDocument {
        do { return try JobDocument(json: json) } catch { throw error.enqueueError }
    }

    static func runDocument(_ json: JSONValue) throws(EnqueueError) -> RunDocument {
        do { return try RunDocument(json: json) } catch { throw error.enqueueError }
    }
}

/// Counts documents written across batches for the progress callback.
final class WriteCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var written = 0
    let total: Int
    let progress: (@Sendable (EnqueueProgress) -> Void)?

    init(total: Int, progress: (@Sendable (EnqueueProgress) -> Void)?) {
        self.total = total
        self.progress = progress
    }

    func add(_ count: Int) {
        lock.lock()
        written += count
        let now = written
        lock.unlock()
        progress?(EnqueueProgress(written: min(now, total), total: total))
    }
}

extension PassPlan {
    /// The jobs and passes of this plan for `modules` and `runs`: what planning the same runs
    /// again over the same documents, emitting only `modules`, gives.
    func part(modules: Set<String>, runs: Set<Int>) -> PassPlan {
        var part = PassPlan()
        part.jobs = jobs.filter { modules.contains($0.module) && runs.contains($0.run) }
        part.created = created.filter { modules.contains($0.module) && runs.contains($0.run) }
        return part
    }
}
