import Foundation

/// Why the batch jobs of one attempt of a pass did not all succeed, as the cycle sees it.
public enum AttemptFailure: Sendable, Hashable {
    /// The jobs failed with this error text (exit codes, stderr tails, missing outputs): retried
    /// only when the text matches a transient pattern of the module's retry policy.
    case error(String)
    /// Every failed job was lost by the batch system through no fault of its own (node failure,
    /// preemption, ended without an exit code): retried whatever the patterns say.
    case infrastructure(String)
    /// Not worth another attempt whatever the text (e.g. the module has no catalogue entry, its
    /// input data is missing).
    case permanent(String)

    /// The error text recorded as the pass's `last_error`.
    public var text: String {
        switch self {
        case .error(let text), .infrastructure(let text), .permanent(let text): text
        }
    }
}

extension RetryPolicy {
    /// What to do with a pass whose attempt number `attempts` just failed with `failure`:
    /// retry with backoff while attempts remain and the failure is transient or an
    /// infrastructure loss; give up otherwise.
    public func decide(
        attempts: Int, failure: AttemptFailure, now: Date, using generator: inout some RandomNumberGenerator
    ) -> RetryDecision {
        switch failure {
        case .permanent:
            return .giveUp(reason: "not retried")
        case .infrastructure:
            guard attempts < maxAttempts else { return .giveUp(reason: "attempt \(attempts) of \(maxAttempts): no attempt left") }
            return .retry(notBefore: now.addingTimeInterval(delay(afterFailures: attempts, using: &generator)))
        case .error(let text):
            return decide(attempts: attempts, errorText: text, now: now, using: &generator)
        }
    }
}
