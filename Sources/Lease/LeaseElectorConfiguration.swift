/// How a ``LeaseElector`` contends for and holds the lease.
public struct LeaseElectorConfiguration: Sendable, Hashable {
    /// The lease seconds this instance writes when it acquires the lease. Observers use the
    /// value stored in the document, whoever wrote it.
    public var leaseSeconds: Double
    /// The mode written into the document on acquisition.
    public var mode: LeaseMode
    /// Renewal, deadline, drift and turn rules.
    public var policy: LeasePolicy
    /// How often an observer reads the document while someone else holds it, as a fraction of
    /// the lease stored in the document (a tenth: a takeover comes at most lease × (1 + drift +
    /// 0.1) after the holder's last renewal).
    public var pollFraction: Double
    /// Bounds on the poll interval.
    public var minimumPoll: Duration
    /// Bounds on the poll interval.
    public var maximumPoll: Duration
    /// First delay after the store fails to answer (doubling up to ``maximumPoll``).
    public var retryDelay: Duration

    /// Makes a configuration; see ``validate()``.
    public init(
        leaseSeconds: Double, mode: LeaseMode = .hold, policy: LeasePolicy = .standard, pollFraction: Double = 0.1,
        minimumPoll: Duration = .milliseconds(50), maximumPoll: Duration = .seconds(2), retryDelay: Duration = .milliseconds(100)
    ) {
        self.leaseSeconds = leaseSeconds
        self.mode = mode
        self.policy = policy
        self.pollFraction = pollFraction
        self.minimumPoll = minimumPoll
        self.maximumPoll = maximumPoll
        self.retryDelay = retryDelay
    }

    /// Throws ``LeaseError/Code/invalidConfiguration`` for unusable values.
    public func validate() throws(LeaseError) {
        try policy.validate()
        guard leaseSeconds > 0, leaseSeconds.isFinite else {
            throw LeaseError(.invalidConfiguration, "lease seconds must be a positive number, not \(leaseSeconds)")
        }
        guard pollFraction > 0, pollFraction <= 1 else {
            throw LeaseError(.invalidConfiguration, "poll fraction \(pollFraction) must be above 0 and at most 1")
        }
        guard minimumPoll > .zero, minimumPoll <= maximumPoll, retryDelay > .zero else {
            throw LeaseError(.invalidConfiguration, "poll bounds and retry delay must be positive, minimum ≤ maximum")
        }
    }

    /// The interval between reads while observing a lease of `lease` (from the document).
    public func pollInterval(for lease: Duration) -> Duration {
        min(max(lease * pollFraction, minimumPoll), maximumPoll)
    }

    /// The delay before trying the store again after `failures` failures in a row.
    public func retryDelay(afterFailures failures: Int) -> Duration {
        var delay = retryDelay
        for _ in 1..<max(1, min(failures, 16)) { delay = delay * 2 }
        return min(delay, maximumPoll)
    }
}
