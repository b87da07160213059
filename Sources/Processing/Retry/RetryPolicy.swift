import Foundation

/// When a failed pass is tried again: up to `maxAttempts` attempts, with exponential backoff
/// and jitter between them, and only for errors that match a transient pattern.
///
/// The delay before attempt n+1 (after n failures) is `initialDelay × multiplier^(n-1)`, at
/// most `maxDelay`, then spread by ± `jitter` (a fraction) so that many passes failing at once
/// do not all come back at once (XENONnT's bootstrax: 60 s × 5^n with jitter).
public struct RetryPolicy: Sendable, Hashable {
    /// The most attempts a pass gets in all (the first submission counts).
    public var maxAttempts: Int
    /// Seconds before the second attempt.
    public var initialDelay: Double
    /// Growth of the delay per further attempt.
    public var multiplier: Double
    /// The longest delay, in seconds.
    public var maxDelay: Double
    /// The fraction by which a delay is spread either way (0 for none, at most 1).
    public var jitter: Double
    /// Regular expressions; an error text matching any of them is transient (retried).
    public var transientPatterns: [String]

    /// Makes a policy.
    public init(
        maxAttempts: Int = 3, initialDelay: Double = 60, multiplier: Double = 5, maxDelay: Double = 86_400,
        jitter: Double = 0.2, transientPatterns: [String] = []
    ) {
        self.maxAttempts = maxAttempts
        self.initialDelay = initialDelay
        self.multiplier = multiplier
        self.maxDelay = maxDelay
        self.jitter = jitter
        self.transientPatterns = transientPatterns
    }

    /// The problems with this policy (empty when valid), each with the key at fault.
    public func problems() -> [(key: String, message: String)] {
        var found: [(String, String)] = []
        if maxAttempts < 1 { found.append(("max_attempts", "must be at least 1")) }
        if initialDelay < 0 { found.append(("initial_delay_seconds", "must not be negative")) }
        if multiplier < 1 { found.append(("multiplier", "must be at least 1")) }
        if maxDelay < initialDelay { found.append(("max_delay_seconds", "must be at least initial_delay_seconds")) }
        if !(0...1).contains(jitter) { found.append(("jitter", "must be between 0 and 1")) }
        for (index, pattern) in transientPatterns.enumerated() where (try? Regex(pattern)) == nil {
            found.append(("transient.\(index)", "not a valid regular expression: \(pattern)"))
        }
        return found
    }

    /// Whether `errorText` matches a transient pattern.
    public func isTransient(_ errorText: String) -> Bool {
        transientPatterns.contains { pattern in
            guard let regex = try? Regex(pattern) else { return false }
            return errorText.contains(regex)
        }
    }

    /// The delay in seconds after `failures` failed attempts (1 or more), before jitter.
    public func baseDelay(afterFailures failures: Int) -> Double {
        let exponent = Double(max(failures, 1) - 1)
        let delay = initialDelay * pow(multiplier, exponent)
        return delay.isFinite ? min(delay, maxDelay) : maxDelay
    }

    /// The delay in seconds after `failures` failed attempts, spread by the jitter using
    /// `generator` (inject a seeded one in tests).
    public func delay(afterFailures failures: Int, using generator: inout some RandomNumberGenerator) -> Double {
        let base = baseDelay(afterFailures: failures)
        guard jitter > 0, base > 0 else { return base }
        let factor = Double.random(in: (1 - jitter)...(1 + jitter), using: &generator)
        return min(base * factor, maxDelay * (1 + jitter))
    }

    /// What to do with a pass whose attempt number `attempts` just failed with `errorText`.
    public func decide(
        attempts: Int, errorText: String, now: Date, using generator: inout some RandomNumberGenerator
    ) -> RetryDecision {
        guard isTransient(errorText) else { return .giveUp(reason: "not a transient error") }
        guard attempts < maxAttempts else { return .giveUp(reason: "attempt \(attempts) of \(maxAttempts): no attempt left") }
        let seconds = delay(afterFailures: attempts, using: &generator)
        return .retry(notBefore: now.addingTimeInterval(seconds))
    }
}

/// The outcome of ``RetryPolicy/decide(attempts:errorText:now:using:)``.
public enum RetryDecision: Sendable, Hashable {
    /// Back to `waiting`, not to be claimed before this time.
    case retry(notBefore: Date)
    /// Stays failed, with why.
    case giveUp(reason: String)
}
