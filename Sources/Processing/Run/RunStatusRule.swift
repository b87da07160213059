/// How a run's `processing_status` follows its jobs (the XAMS rule): `done` once the last
/// pass of every job completed, `failed` once one failed for good (an end state other than
/// `completed`, whatever its attempt count; with the reason), else it stays as it is.
///
/// Which runs follow: `queued` ones, and runs without a `processing_status` (their jobs were
/// enqueued by hand, `gasp enqueue -R …`): they get `done` or `failed` too once their jobs say
/// so, so a dashboard or script reading run documents sees every run's outcome. A `pending` run
/// is left alone: an operator asked for new passes, which the pending-run enqueuer creates (and
/// marks `queued`); its old jobs do not answer that request. A `done` or `failed` run follows a
/// later change of outcome (an operator's retry that completes, a new pass that fails).
public enum RunStatusRule {
    /// What the jobs of one run say.
    public enum Outcome: Sendable, Hashable {
        case queued
        case done
        case failed(reason: String)
    }

    /// The outcome for the jobs of one run (their last passes). No jobs is `queued`. When
    /// several failed for good, the reason names a pass that failed itself before one that is
    /// only `unsatisfied` because of it (the cause, not its consequence), then by module name.
    public static func outcome(jobs: [JobDocument]) -> Outcome {
        var allCompleted = !jobs.isEmpty
        var failures: [(module: String, pass: Pass)] = []
        for job in jobs.sorted(by: { $0.module < $1.module }) {
            guard let pass = job.lastPass() else {
                allCompleted = false
                continue
            }
            if pass.failedForGood { failures.append((job.module, pass)) }
            if pass.status != .completed { allCompleted = false }
        }
        if let (module, pass) = failures.first(where: { $0.pass.status != .unsatisfied }) ?? failures.first {
            let why = pass.status == .unsatisfied ? pass.history.last?.reason : pass.lastError
            return .failed(reason: "\(module) pass \(pass.pass) \(pass.status.rawValue)" + (why.map { ": \($0)" } ?? ""))
        }
        return allCompleted ? .done : .queued
    }

    /// `run` updated for `outcome`; nil when nothing changes (always for a `pending` run). A
    /// new failure counts once: a run already `failed` for the same reason is not counted again.
    public static func apply(_ outcome: Outcome, to run: RunDocument) -> RunDocument? {
        guard run.processingStatus != .pending else { return nil }
        var updated = run
        switch outcome {
        case .queued:
            return nil
        case .done:
            guard run.processingStatus != .done else { return nil }
            updated.processingStatus = .done
            updated.failureReason = nil
        case .failed(let reason):
            guard !(run.processingStatus == .failed && run.failureReason == reason) else { return nil }
            updated.processingStatus = .failed
            updated.failureReason = reason
            updated.failureCount += 1
        }
        return updated
    }
}
