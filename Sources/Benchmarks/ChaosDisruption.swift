import Foundation

/// What `gasp bench chaos` does to the fleet, one at a time.
public enum ChaosDisruption: String, CaseIterable, Sendable, Hashable {
    /// The lease holder's worker is SIGKILLed and started again within a second, as systemd
    /// restarts a crashed unit.
    case killHolder = "holder SIGKILLed, restarted"
    /// A standby's worker is SIGKILLed and started again within a second.
    case killStandby = "standby SIGKILLed, restarted"
    /// The holder is SIGSTOPped for less than the lease, then SIGCONTed.
    case pauseHolderShort = "holder SIGSTOPped < lease"
    /// The holder is SIGSTOPped for longer than the lease, then SIGCONTed.
    case pauseHolderLong = "holder SIGSTOPped > lease"
    /// The holder stops itself at the `after-claim` or `after-submit` fail point (claims
    /// written, batch jobs not submitted or their ids not recorded) and is held there for a
    /// random time, shorter or longer than the lease.
    case holdAtFailPoint = "holder held at a fail point"
    /// The lease document is deleted by hand.
    case deleteLease = "lease deleted by hand"
    /// The holder's site is drained (`draining: true`) and undrained a few seconds later.
    case drainHolder = "holder drained, undrained later"

    /// Whether the disruption needs a live lease holder to act on.
    var needsHolder: Bool {
        switch self {
        case .killHolder, .pauseHolderShort, .pauseHolderLong, .holdAtFailPoint, .drainHolder: true
        case .killStandby, .deleteLease: false
        }
    }

    /// Whether the disruption can end the holder's term (a takeover that follows is timed from it).
    var strikesHolder: Bool { self != .killStandby }
}

/// One disruption as applied: what, to whom, when, and the lease epoch it met.
public struct ChaosEvent: Sendable {
    /// What was done.
    public var kind: ChaosDisruption
    /// The site it was done to (nil for the lease deletion).
    public var site: String?
    /// When it was done, on this process's monotonic clock and on the wall clock.
    public var instant: ContinuousClock.Instant
    public var date: Date
    /// The lease epoch when it was done.
    public var epoch: Int64?
    /// Details for people: how long a pause lasted, which fail point was reached.
    public var detail: String
}
