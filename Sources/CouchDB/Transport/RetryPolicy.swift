/// When and how long to wait before sending a failed request again.
///
/// Only failures that may go away by themselves are retried: transport failures, timeouts and
/// 5xx answers. A 4xx is the server's considered answer and is returned at once; in particular a
/// 401 is a configuration error (CouchDB 3.4 locks an account out after five failed logins).
///
/// Writes that are not idempotent are not resent blindly. The client marks each request:
/// - reads (`GET`, `HEAD`, and `POST` queries such as `_all_docs` with keys) are idempotent;
/// - `PUT` and `DELETE` of a document name their target, so a duplicate is a 409 the caller can
///   check (a 409 with ``CouchError/attempts`` > 1 may mean the first attempt won);
/// - `_bulk_docs` is idempotent when every document carries an `_id`;
/// - `POST /db` (the server picks the id) and `_bulk_docs` with documents without `_id` would
///   create a second document if resent after the first one landed, so they are retried only
///   when the connection was never made (``TransportError/Kind/notConnected``). To make such a
///   write retry-safe, give the document an id from ``CouchClient/uuids(count:)`` and `put` it.
public struct RetryPolicy: Sendable, Hashable {
    /// The most times a request is sent (1 = never retried).
    public var maxAttempts: Int
    /// The backoff before the first retry.
    public var initialDelay: Duration
    /// The backoff never grows beyond this.
    public var maxDelay: Duration
    /// Each further retry waits this many times longer.
    public var multiplier: Double
    /// The random fraction taken off each delay (0 = none, 1 = "full jitter").
    public var jitter: Double

    /// Makes a policy.
    public init(
        maxAttempts: Int = 5, initialDelay: Duration = .milliseconds(100), maxDelay: Duration = .seconds(5),
        multiplier: Double = 2, jitter: Double = 0.5
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.multiplier = multiplier
        self.jitter = min(max(jitter, 0), 1)
    }

    /// Five attempts, 100 ms doubling to at most 5 s, half jitter.
    public static let `default` = RetryPolicy()
    /// Send once, never retry.
    public static let never = RetryPolicy(maxAttempts: 1)

    /// The wait before attempt `attempt + 1`, after `attempt` (1-based) failed.
    public func delay(afterAttempt attempt: Int) -> Duration {
        var generator = SystemRandomNumberGenerator()
        return delay(afterAttempt: attempt, using: &generator)
    }

    /// The wait before attempt `attempt + 1`, with the jitter drawn from `generator`.
    public func delay<G: RandomNumberGenerator>(afterAttempt attempt: Int, using generator: inout G) -> Duration {
        let exponent = Double(max(0, attempt - 1))
        let initial = initialDelay.seconds
        let base = min(maxDelay.seconds, initial * pow(multiplier, exponent))
        let factor = jitter > 0 ? 1 - Double.random(in: 0...jitter, using: &generator) : 1
        return .nanoseconds(Int64((base * factor * 1e9).rounded()))
    }
}

extension Duration {
    /// The span in seconds as a `Double`.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

/// `pow` for doubles without Foundation.
private func pow(_ base: Double, _ exponent: Double) -> Double {
    var result = 1.0
    var remaining = Int(exponent)
    while remaining > 0 {
        result *= base
        remaining -= 1
    }
    return result
}
