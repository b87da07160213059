import Lease

/// One round of the gasp cycle, run by the lease holder under its ``LeaseTerm``.
///
/// The worker calls ``runCycle(_:)`` while it holds the lease, and cancels it the moment the
/// holding ends. Every document the cycle writes must carry `term.epoch`
/// (``LeaseTerm/fenced(_:)``): the `validate_doc_update` in `Views/gasp` then refuses a write
/// from a holder that has been replaced.
public protocol GuardedCycle: Sendable {
    /// Runs one round; returns what it did, in counts, for the cycle record.
    func runCycle(_ term: LeaseTerm, context: CycleContext) async throws -> CycleSummary

    /// Runs the site's own part of a round while this worker does not hold the lease: follows
    /// the site's passes through its batch system (and cleans up after passes reset while it
    /// was away), so that no pass waits for its site to hold the lease again. Writes keep the
    /// epoch each document carries. Never claims.
    func runSiteCycle(context: CycleContext) async throws -> CycleSummary
}

extension GuardedCycle {
    /// Nothing to do at the site.
    public func runSiteCycle(context: CycleContext) async throws -> CycleSummary { .idle }
}

/// What the worker knows about the fleet when a cycle starts, from its heartbeat.
public struct CycleContext: Sendable, Hashable {
    /// This site.
    public var site: String
    /// The sites whose heartbeats are live, this one included, by name.
    public var liveSites: [String]
    /// Every site with a document, live or not.
    public var knownSites: [String]
    /// The operator set this site to drain: monitor and catalogue, claim nothing new.
    public var draining: Bool
    /// The operator disabled this site: claim nothing.
    public var enabled: Bool
    /// The sites no other worker has seen heartbeat for longer than their own
    /// `dead_after_seconds`: their batch jobs may be gone, so their passes are reset.
    public var deadSites: [String]
    /// The revision of each dead site's document when it was judged dead: a site whose
    /// document has moved on since is not reset.
    public var deadSiteRevisions: [String: String]
    /// Each known site's `dead_after_seconds`, for the reasons recorded.
    public var deadAfter: [String: Double]
    /// Until when every other worker must still count this site as alive (its last heartbeat
    /// written, plus half its `dead_after_seconds`, on this process's monotonic clock), so that
    /// nobody can have reset its passes: the site acts on its batch system only before then.
    /// Nil: no such bound (a cycle run outside a worker).
    public var aliveUntil: ContinuousClock.Instant?

    /// A context.
    public init(
        site: String, liveSites: [String], knownSites: [String], draining: Bool = false, enabled: Bool = true,
        deadSites: [String]? = nil, deadSiteRevisions: [String: String] = [:], deadAfter: [String: Double] = [:],
        aliveUntil: ContinuousClock.Instant? = nil
    ) {
        self.site = site
        self.liveSites = liveSites
        self.knownSites = knownSites
        self.draining = draining
        self.enabled = enabled
        self.deadSites = deadSites ?? knownSites.filter { $0 != site && !liveSites.contains($0) }
        self.deadSiteRevisions = deadSiteRevisions
        self.deadAfter = deadAfter
        self.aliveUntil = aliveUntil
    }

    /// Whether the site may claim new work.
    public var mayClaim: Bool { enabled && !draining }
}

/// What one round of the cycle did: counts by name (e.g. `submitted: 12`), for logs, the
/// cycle record and `gasp status`.
public struct CycleSummary: Sendable, Hashable {
    /// Counts by what was counted.
    public var counts: [String: Int]

    /// A summary with `counts`.
    public init(counts: [String: Int] = [:]) { self.counts = counts }

    /// Nothing done.
    public static let idle = CycleSummary()
}

/// The cycle of a worker with no work configured: does nothing, so a fleet can be brought up
/// and its lease watched before any processing is set up.
public struct IdleCycle: GuardedCycle {
    /// An idle cycle.
    public init() {}

    public func runCycle(_ term: LeaseTerm, context: CycleContext) async throws -> CycleSummary { .idle }
}
