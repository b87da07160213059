import CouchDB
import Foundation
import JSON
import Processing

/// Run sensing (`-r START`, `-b START END`, and the lease holder's cycle): finds complete runs
/// after the last one processed and creates their passes by run type.
///
/// Progress is kept in `enqueue_cursor:<version>:<input kind>[:<tag>][:<modules>]` (`last_run`:
/// every registered run up to it is complete and was considered), so a loop resumes where it
/// stopped. The cursor never passes an incomplete run or one a calibration lock holds back;
/// complete runs after an incomplete one are still processed (runs finish out of order), and
/// are found again harmlessly next time, because their passes carry the sensing request id.
public struct RunSensor: Sendable {
    /// What one sensing step did.
    public struct Step: Sendable {
        /// What was created.
        public var outcome: EnqueueOutcome
        /// The cursor after the step (nil when nothing was ever considered).
        public var lastRun: Int?
        /// True when the automatic-processing switch is off and nothing was done.
        public var switchedOff: Bool
        /// True for `-b` once every run up to END has been considered.
        public var finished: Bool
    }

    public var creator: JobCreator
    public var spec: EnqueueSpec

    /// Makes a sensor.
    public init(creator: JobCreator, spec: EnqueueSpec) {
        self.creator = creator
        self.spec = spec
    }

    /// The id of this sensor's cursor document.
    public var cursorID: String {
        var parts = ["enqueue_cursor", spec.version, spec.inputKind]
        if let tag = spec.conditionsTag { parts.append(tag) }
        if let modules = spec.modules { parts.append(Array(Set(modules)).sorted().joined(separator: "+")) }
        return parts.joined(separator: ":")
    }

    /// One sensing pass over the runs from `start` (or after the cursor, if further) through
    /// `end` (nil: no end). Checks the `switch:auto_processing` document first.
    public func senseOnce(start: Int, end: Int? = nil, dryRun: Bool = false) async throws -> Step {
        let selection: RunSelection = end.map { .block(start, $0) } ?? .startRun(start)
        let problems = selection.problems()
        guard problems.isEmpty else { throw EnqueueError(.invalidInput, "nothing was written", problems: problems) }
        if try await !AutomaticProcessing(database: creator.database).isEnabled() {
            return Step(outcome: EnqueueOutcome(), lastRun: nil, switchedOff: true, finished: false)
        }
        let cursorDocument = try await creator.database.getIfExists(cursorID)
        let cursor = cursorDocument?["last_run"]?.intValue
        let from = max(start, (cursor ?? (start - 1)) + 1)
        let last = end ?? RunNumber.maximum
        guard from <= last else { return Step(outcome: EnqueueOutcome(), lastRun: cursor, switchedOff: false, finished: true) }
        let runs = try await creator.readRuns(from: from, through: last)
        let complete = runs.filter(\.complete)
        var outcome = complete.isEmpty ? EnqueueOutcome() : try await creator.enqueue(runs: complete, spec: spec, selection: selection, dryRun: dryRun, isolatingRunProblems: true)
        outcome.runsConsidered = complete.count

        // Advance over the contiguous complete, unheld, fully written prefix.
        let failedRuns = Set(outcome.failures.compactMap { Self.run(ofJobID: $0.id) })
            .union(outcome.runProblems.compactMap { JobCreator.run(ofSource: $0.source) })
        var newCursor = cursor
        for run in runs {
            if !run.complete || failedRuns.contains(run.run) { break }
            if let held = outcome.firstHeldRun, run.run >= held { break }
            newCursor = run.run
        }
        if !dryRun, let newCursor, newCursor != cursor {
            var document: JSONObject = cursorDocument?.objectValue ?? [:]
            document["_id"] = .string(cursorID)
            document["type"] = "enqueue_cursor"
            document["version"] = .string(spec.version)
            document["input_kind"] = .string(spec.inputKind)
            document["last_run"] = .int(newCursor)
            document["updated"] = .string(Timestamp.string(creator.now()))
            if let epoch = creator.epoch { document["epoch"] = .int(epoch) }
            switch await CalibrationLocks.put(.object(document), into: creator.database) {
            case .success:
                break
            case .failure(let error) where error.code == .conflict:
                break  // Another sensor moved it; the next step reads it again.
            case .failure(let error) where error.code == .forbidden && creator.epoch != nil:
                throw EnqueueError(.fenced, "\(cursorID): \(error.reason ?? "forbidden")")
            case .failure(let error):
                throw error
            }
        }
        let finished = end.map { (newCursor ?? -1) >= $0 } ?? false
        return Step(outcome: outcome, lastRun: newCursor, switchedOff: false, finished: finished)
    }

    /// Senses again and again (`-r`, `-b`), `interval` apart, until `control` says stop, the
    /// task is cancelled, or (`-b`) every run up to END has been considered. `report` gets
    /// each step.
    public func loop(
        start: Int, end: Int? = nil, control: LoopControl, dryRun: Bool = false,
        report: @Sendable (Step) -> Void = { _ in }
    ) async throws -> EnqueueOutcome {
        var total = EnqueueOutcome()
        total.dryRun = dryRun
        var iteration = 0
        while !Task.isCancelled {
            let step = try await senseOnce(start: start, end: end, dryRun: dryRun)
            iteration += 1
            total.add(step.outcome)
            // What is skipped or held is the state now, not a sum over iterations.
            total.skipped = step.outcome.skipped
            total.firstHeldRun = step.outcome.firstHeldRun
            total.runProblems = step.outcome.runProblems
            total.alreadyCreated = step.outcome.alreadyCreated
            total.runsConsidered = step.outcome.runsConsidered
            report(step)
            if step.finished || control.shouldStop(afterIteration: iteration) { break }
            do { try await Task.sleep(for: control.interval) } catch { break }
            if control.shouldStop(afterIteration: iteration) { break }
        }
        return total
    }

    static func run(ofJobID id: String) -> Int? {
        id.split(separator: ":").last.flatMap { Int($0) }
    }
}

/// When a loop stops: after a number of iterations, at a deadline, or never.
public struct LoopControl: Sendable {
    /// Time between iterations.
    public var interval: Duration
    /// Stop after this many iterations (nil: no limit).
    public var maxIterations: Int?
    /// Stop once this instant has passed (nil: no deadline).
    public var deadline: ContinuousClock.Instant?
    /// Stop once this says so (checked after each iteration and each wait).
    public var stop: (@Sendable () -> Bool)?

    /// Makes a control.
    public init(interval: Duration, maxIterations: Int? = nil, deadline: ContinuousClock.Instant? = nil, stop: (@Sendable () -> Bool)? = nil) {
        self.interval = interval
        self.maxIterations = maxIterations
        self.deadline = deadline
        self.stop = stop
    }

    func shouldStop(afterIteration iteration: Int) -> Bool {
        if let maxIterations, iteration >= maxIterations { return true }
        if let deadline, ContinuousClock.now >= deadline { return true }
        return stop?() ?? false
    }
}
