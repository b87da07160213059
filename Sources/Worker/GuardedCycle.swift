import Lease

/// One round of the gasp cycle, run by the lease holder under its ``LeaseTerm``.
///
/// The worker calls ``runCycle(_:)`` while it holds the lease, and cancels it the moment the
/// holding ends. Every document the cycle writes must carry `term.epoch`
/// (``LeaseTerm/fenced(_:)``): the `validate_doc_update` in `Views/gasp` then refuses a write
/// from a holder that has been replaced.
public protocol GuardedCycle: Sendable {
    /// Runs one round; returns what it did, in a few words and counts, for the cycle record.
    func runCycle(_ term: LeaseTerm) async throws -> CycleSummary
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

    public func runCycle(_ term: LeaseTerm) async throws -> CycleSummary { .idle }
}
