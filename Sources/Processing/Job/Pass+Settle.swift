import Foundation

extension Pass {
    /// Ends an active pass whose batch jobs ended with failures, as `decision` says: a retry
    /// resets the subjobs that did not complete (only they run again), records `notBefore` and
    /// moves the pass back to `waiting`, unlocked; giving up moves it to `failed`, or `partFail`
    /// when some subjobs completed — an end state. `errorText` becomes ``lastError``.
    public mutating func settle(
        _ decision: RetryDecision, errorText: String, at time: Date, site: String? = nil, epoch: Int64? = nil
    ) throws(TransitionError) {
        lastError = errorText
        switch decision {
        case .retry(let notBefore):
            try transition(to: .waiting, at: time, site: site, epoch: epoch, reason: "retry after: \(errorText)")
            for s in subjobs.indices where subjobs[s].status != .completed { subjobs[s] = Subjob(subrun: subjobs[s].subrun) }
            self.notBefore = Timestamp.string(notBefore)
            self.site = nil
        case .giveUp(let why):
            let someSucceeded = subjobs.contains { $0.status == .completed }
            try transition(to: someSucceeded ? .partFail : .failed, at: time, site: site, epoch: epoch, reason: "\(errorText) (\(why))")
        }
    }
}
