import Processing

/// What an enqueue did (or, in a dry run, would do).
public struct EnqueueOutcome: Sendable {
    /// The passes created (planned, in a dry run).
    public var created: [PassPlan.Created] = []
    /// (run, module) pairs whose pass the same request had made already.
    public var alreadyCreated = 0
    /// Runs or pairs left alone, with why.
    public var skipped: [PassPlan.Skipped] = []
    /// Calibration locks set.
    public var locksSet: [CalibrationLock] = []
    /// The first run a calibration lock held back.
    public var firstHeldRun: Int?
    /// Documents that could not be written; a rerun writes exactly these.
    public var failures: [DocumentFailure] = []
    /// Problems of single runs left out (run sensing and pending runs only).
    public var runProblems: [InputProblem] = []
    /// How many runs were looked at.
    public var runsConsidered = 0
    /// True when nothing was written.
    public var dryRun = false
    /// The job documents written (or that would be), for `--dry-run` to print.
    public var jobs: [JobDocument] = []

    /// Makes an empty outcome.
    public init() {}

    /// Adds another outcome's counts (a loop's iterations).
    public mutating func add(_ other: EnqueueOutcome) {
        created += other.created
        alreadyCreated += other.alreadyCreated
        skipped += other.skipped
        locksSet += other.locksSet
        firstHeldRun = firstHeldRun ?? other.firstHeldRun
        failures += other.failures
        runProblems += other.runProblems
        runsConsidered += other.runsConsidered
        jobs += other.jobs
    }

    /// One line for people: `created 120 passes for 60 runs; 4 already there; …`.
    public var summary: String {
        var parts = ["\(dryRun ? "would create" : "created") \(created.count) pass\(created.count == 1 ? "" : "es") for \(Set(created.map(\.run)).count) run\(Set(created.map(\.run)).count == 1 ? "" : "s") (\(runsConsidered) considered)"]
        if alreadyCreated > 0 { parts.append("\(alreadyCreated) already created by the same request") }
        let noModules = skipped.filter { if case .noModules = $0.reason { true } else { false } }
        if !noModules.isEmpty { parts.append("\(noModules.count) run\(noModules.count == 1 ? "" : "s") of a run type with no modules") }
        let held = skipped.filter { if case .calibrationLock = $0.reason { true } else { false } }
        if !held.isEmpty, let first = firstHeldRun { parts.append("\(held.count) held back by a calibration lock from run \(first)") }
        if !locksSet.isEmpty { parts.append("calibration lock set: " + locksSet.map { "\($0.kind) at run \($0.run)" }.joined(separator: ", ")) }
        if !runProblems.isEmpty { parts.append("\(Set(runProblems.map(\.source)).count) run(s) left out with problems") }
        if !failures.isEmpty { parts.append("\(failures.count) document\(failures.count == 1 ? "" : "s") NOT written (run the same command again to write them)") }
        return parts.joined(separator: "; ")
    }
}

/// Progress of a long enqueue: how many of the documents to write are written.
public struct EnqueueProgress: Sendable {
    public var written: Int
    public var total: Int
}
