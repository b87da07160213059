/// How a run's `processing_status` follows its jobs (the XAMS rule): `done` once the last
/// pass of every job completed, `failed` once one failed for good (with the reason), else it
/// stays `queued`.
public enum RunStatusRule {
    /// What the jobs of one run say.
    public enum Outcome: Sendable, Hashable {
        case queued
        case done
        case failed(reason: String)
    }

    /// The outcome for the jobs of one run (their last passes). No jobs is `queued`.
    public static func outcome(jobs: [JobDocument]) -> Outcome {
        var allCompleted = !jobs.isEmpty
        for job in jobs.sorted(by: { $0.module < $1.module }) {
            guard let pass = job.lastPass() else {
                allCompleted = false
                continue
            }
            if pass.failedForGood {
                let detail = pass.lastError.map { ": \($0)" } ?? ""
                return .failed(reason: "\(job.module) pass \(pass.pass) \(pass.status.rawValue)\(detail)")
            }
            if pass.status != .completed { allCompleted = false }
        }
        return allCompleted ? .done : .queued
    }

    /// `run` updated for `outcome`; nil when nothing changes. A new failure counts once: a
    /// run already `failed` for the same reason is not counted again.
    public static func apply(_ outcome: Outcome, to run: RunDocument) -> RunDocument? {
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
