/// Why an observer may acquire the lease now.
public enum LeaseOpening: Sendable, Hashable {
    /// There is no lease document yet.
    case neverHeld
    /// Released with no site named for the next turn.
    case released
    /// Released naming this site for the next turn (rotate mode).
    case yourTurn
    /// Released naming `next`, which did not take its turn within the grace period.
    case turnPassed(next: String)
    /// The holder did not renew within lease × (1 + drift) of this observer last seeing the
    /// document change, measured on this observer's monotonic clock.
    case expired(LeaseHolder)
    /// The document names this very instance, but it no longer holds the lease (its work has
    /// stopped, e.g. after the store was unreachable past the renew deadline). It may take the
    /// lease back at once with a new epoch: the write replaces the revision it read, so it
    /// fails if anyone else has written since.
    case abandonedByThisInstance
}

/// Why a holder stopped holding the lease without releasing it.
public enum LeaseLossReason: Sendable, Hashable {
    /// A renewal was refused: another writer changed the document (409, or a losing
    /// conflict revision on a cluster).
    case refused
    /// No renewal succeeded within the renew deadline; the guarded work was stopped before
    /// any observer could judge the lease expired.
    case renewDeadlinePassed
    /// A read showed the document written by someone else (`holder` nil: released or deleted).
    case overwritten(by: LeaseHolder?, epoch: Int64)
}

/// What a holder knows about its holding. Times are on its own monotonic clock.
public struct LeaseHolding<Instant: InstantProtocol<Duration>>: Sendable, Hashable {
    /// The document as last written by this holder.
    public var document: LeaseDocument
    /// When to send the next renewal.
    public var renewAt: Instant
    /// When the holding ends unless a renewal succeeds first: `renewDeadline × lease` after the
    /// last successful write was *sent* (the write may have reached the store, and observers,
    /// any time after that).
    public var renewDeadline: Instant
    /// Renewals that failed since the last success.
    public var failedRenewals: Int

    /// The fencing token of this holding.
    public var epoch: Int64 { document.epoch }
}

/// Where an observer stands on the lease.
public enum LeaseState<Instant: InstantProtocol<Duration>>: Sendable, Hashable {
    /// Nothing read yet (or a read is needed after a lost race).
    case unknown
    /// Someone else holds it; it counts as expired at `until` unless its revision changes.
    case observing(holder: LeaseHolder, epoch: Int64, until: Instant)
    /// Released naming `next` for the turn; others may take it at `until`.
    case awaitingTurn(next: String, epoch: Int64, until: Instant)
    /// This observer may acquire it (with epoch `epoch + 1`).
    case acquirable(LeaseOpening, epoch: Int64)
    /// This observer holds it.
    case holding(LeaseHolding<Instant>)
    /// This observer held it with `epoch` and lost it; its guarded work must stop.
    case lost(epoch: Int64, reason: LeaseLossReason)

    /// True when holding.
    public var isHolding: Bool {
        if case .holding = self { return true }
        return false
    }

    /// The epoch held, when holding.
    public var heldEpoch: Int64? {
        if case .holding(let holding) = self { return holding.epoch }
        return nil
    }
}
