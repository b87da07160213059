import CouchDB
import Foundation
import JSON
import Processing

/// Pending runs, the XAMS way (`gasp enqueue --pending`, and the lease holder's cycle): runs
/// whose `processing_status` is `pending` get their passes and are marked `queued`; a run that
/// cannot be enqueued (no run type, not complete, …) is marked `failed` with the reason and
/// its failure count raised. Nothing happens while `switch:auto_processing` is off.
public struct PendingRunEnqueuer: Sendable {
    public var creator: JobCreator
    public var spec: EnqueueSpec

    /// Makes an enqueuer.
    public init(creator: JobCreator, spec: EnqueueSpec) {
        self.creator = creator
        self.spec = spec
    }

    /// What one call did.
    public struct Result: Sendable {
        public var outcome: EnqueueOutcome
        /// Runs marked `queued`.
        public var queued: [Int]
        /// Runs marked `failed`, with the reason.
        public var failed: [(run: Int, reason: String)]
        /// True when the switch is off and nothing was done.
        public var switchedOff: Bool
    }

    /// Enqueues up to `limit` pending runs, newest first.
    public func enqueuePending(limit: Int? = nil, dryRun: Bool = false) async throws -> Result {
        if try await !AutomaticProcessing(database: creator.database).isEnabled() {
            return Result(outcome: EnqueueOutcome(), queued: [], failed: [], switchedOff: true)
        }
        let response = try await creator.database.view("runs", "by_processing_status", ViewQuery(
            startKey: ["pending", [:]], endKey: ["pending"], descending: true, limit: limit, includeDocs: true))
        var runs: [RunDocument] = []
        for row in response.rows {
            guard let doc = row.doc else { continue }
            runs.append(try JobCreator.runDocument(doc))
        }
        var requestIDs: [Int: String] = [:]
        for run in runs { requestIDs[run.run] = spec.pendingRequestID(run: run) }
        var outcome = runs.isEmpty ? EnqueueOutcome()
            : try await creator.enqueue(runs: runs, spec: spec, selection: .pending, requestIDs: requestIDs, dryRun: dryRun, isolatingRunProblems: true)
        outcome.runsConsidered = runs.count
        if dryRun { return Result(outcome: outcome, queued: [], failed: [], switchedOff: false) }

        var reasons: [Int: String] = [:]
        for problem in outcome.runProblems {
            if let run = JobCreator.run(ofSource: problem.source) { reasons[run] = reasons[run].map { $0 + "; " + problem.message } ?? problem.message }
        }
        let notWritten = Set(outcome.failures.compactMap { RunSensor.run(ofJobID: $0.id) })
        let held = Set(outcome.skipped.compactMap { skip -> Int? in if case .calibrationLock = skip.reason { skip.run } else { nil } })
        var updates: [RunDocument] = []
        var queued: [Int] = []
        var failed: [(Int, String)] = []
        for var run in runs {
            if let reason = reasons[run.run] {
                run.processingStatus = .failed
                run.failureReason = reason
                run.failureCount += 1
                failed.append((run.run, reason))
            } else if notWritten.contains(run.run) || held.contains(run.run) {
                continue  // stays pending: tried again next time
            } else {
                run.processingStatus = .queued
                run.failureReason = nil
                queued.append(run.run)
            }
            if let epoch = creator.epoch { run.epoch = epoch }
            updates.append(run)
        }
        let results = try await creator.access.write(updates.map(\.json))
        for (run, result) in zip(updates, results) {
            switch WriteVerdict(result, id: run.id) {
            case .saved: break
            case .conflict:
                // Changed since read (an operator?): left for the next call, which reads it again.
                outcome.failures.append(DocumentFailure(id: run.id, error: "conflict", reason: "changed while being marked; left as it is"))
                queued.removeAll { $0 == run.run }
                failed.removeAll { $0.0 == run.run }
            case .fenced(let reason):
                throw EnqueueError(.fenced, "\(run.id): \(reason)")
            case .failed(let failure):
                outcome.failures.append(failure)
            }
        }
        return Result(outcome: outcome, queued: queued, failed: failed, switchedOff: false)
    }
}
