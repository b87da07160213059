/// The lease as one instance sees it: a pure state machine, no I/O.
///
/// Feed it what the instance learns (reads of the document, the outcome of its own writes) and
/// the passing of time (``tick(at:)``), each with the instant from the instance's monotonic
/// clock; it answers with the transitions to report and exposes the resulting ``state``.
///
/// Expiry follows Kubernetes' client-go: an observer never compares timestamps written by other
/// hosts. It notes, on its own clock, when it first saw the document's current `_rev`; the lease
/// counts as expired `lease_seconds × (1 + driftMargin)` later (the seconds stored in the
/// document) unless the revision changes. The holder, for its part, measures its renew
/// deadline from when it *sent* its last successful write, which is never later than when any
/// observer saw it, and the deadline is shorter than the lease: so the holder stops working
/// before any observer can take over, even with clocks running up to `driftMargin` apart.
public struct LeaseObserver<Instant: InstantProtocol<Duration>>: Sendable {
    /// Who this observer is.
    public let identity: LeaseHolder
    /// The timing rules.
    public let policy: LeasePolicy
    /// Where it stands.
    public private(set) var state: LeaseState<Instant> = .unknown
    /// The document as last read or written by this observer (nil: none, or not read yet).
    public private(set) var document: LeaseDocument?
    /// When this observer first saw the current revision of ``document``.
    public private(set) var changedAt: Instant?
    /// In rotate mode, the sites in turn order (e.g. the live sites by name), so that when the
    /// site named `next` misses its turn the one after it goes first: the k-th site after the
    /// named one may acquire after k turn graces. Empty: every other site after one grace.
    public var turnOrder: [String] = []

    /// An observer that has seen nothing yet.
    public init(identity: LeaseHolder, policy: LeasePolicy = .standard) {
        self.identity = identity
        self.policy = policy
    }

    // MARK: - Reads

    /// The lease document was read (nil: it does not exist) and the answer arrived at `now`.
    public mutating func observe(_ read: LeaseDocument?, at now: Instant) -> [LeaseTransition] {
        var transitions: [LeaseTransition] = []
        if case .holding(var holding) = state {
            if read?.rev == holding.document.rev { return [] }
            if let read, read.holder == identity, read.epoch == holding.epoch {
                // A write of ours that was retried and answered late: still ours. The deadline
                // stays where it was, since when it was sent is not known.
                holding.document = read
                document = read
                changedAt = now
                state = .holding(holding)
                return []
            }
            state = .lost(epoch: holding.epoch, reason: .overwritten(by: read?.holder, epoch: read?.epoch ?? 0))
            transitions.append(.lost(epoch: holding.epoch, reason: .overwritten(by: read?.holder, epoch: read?.epoch ?? 0)))
        }
        let changed = changedAt == nil || read?.rev != document?.rev || (read == nil) != (document == nil)
        if changed {
            changedAt = now
            if let holder = read?.holder, holder != identity,
               holder != document?.holder || read?.epoch != document?.epoch
            {
                transitions.append(.holderObserved(holder, epoch: read?.epoch ?? 0))
            }
        }
        document = read
        transitions += evaluate(at: now)
        return transitions
    }

    /// Time has passed: expiry, the end of a turn's grace, or the holder's renew deadline.
    public mutating func tick(at now: Instant) -> [LeaseTransition] {
        switch state {
        case .holding(let holding) where now >= holding.renewDeadline:
            state = .lost(epoch: holding.epoch, reason: .renewDeadlinePassed)
            return [.lost(epoch: holding.epoch, reason: .renewDeadlinePassed)]
        case .observing(_, _, let until), .awaitingTurn(_, _, let until):
            return now >= until ? evaluate(at: now) : []
        default:
            return []
        }
    }

    /// When the state next changes by time alone: expiry or end of grace while observing, the
    /// next renewal while holding; nil when only an event can change it.
    public var nextDeadline: Instant? {
        switch state {
        case .observing(_, _, let until), .awaitingTurn(_, _, let until): until
        case .holding(let holding): min(holding.renewAt, holding.renewDeadline)
        case .unknown, .acquirable, .lost: nil
        }
    }

    /// Whether this observer may try to acquire the lease now.
    public var mayAcquire: Bool {
        if case .acquirable = state { return true }
        return false
    }

    // MARK: - Own writes

    /// This observer's acquisition, sent at `sentAt`, won (a durable write and the sole winning
    /// revision) and was answered at `now`.
    public mutating func acquired(_ written: LeaseDocument, sentAt: Instant, at now: Instant) -> [LeaseTransition] {
        var opening = LeaseOpening.abandonedByThisInstance
        if case .acquirable(let reason, _) = state { opening = reason }
        let lease = written.leaseDuration
        state = .holding(LeaseHolding(
            document: written, renewAt: sentAt.advanced(by: policy.renewAfter(lease)),
            renewDeadline: sentAt.advanced(by: policy.renewDeadline(of: lease)), failedRenewals: 0))
        document = written
        changedAt = now
        return [.acquired(epoch: written.epoch, opening: opening)] + tick(at: now)
    }

    /// This observer's acquisition of `epoch` lost to another writer (409, or a losing
    /// conflict revision). It must read the document again before anything else.
    public mutating func acquireFailed(epoch: Int64) -> [LeaseTransition] {
        state = .unknown
        return [.contended(epoch: epoch)]
    }

    /// A renewal sent at `sentAt` succeeded, answered at `now`. Ignored unless holding that
    /// epoch; an answer after the renew deadline does not revive the holding.
    public mutating func renewed(_ written: LeaseDocument, sentAt: Instant, at now: Instant) -> [LeaseTransition] {
        guard case .holding(var holding) = state, written.epoch == holding.epoch else { return [] }
        if now >= holding.renewDeadline { return tick(at: now) }
        let lateAfter = holding.renewAt.advanced(by: holding.renewAt.duration(to: holding.renewDeadline) / 2)
        let late = holding.failedRenewals > 0 || now > lateAfter
        let failed = holding.failedRenewals
        let lease = written.leaseDuration
        holding.document = written
        holding.renewAt = sentAt.advanced(by: policy.renewAfter(lease))
        holding.renewDeadline = max(holding.renewDeadline, sentAt.advanced(by: policy.renewDeadline(of: lease)))
        holding.failedRenewals = 0
        state = .holding(holding)
        document = written
        changedAt = now
        return [.renewed(epoch: written.epoch, late: late, failedAttempts: failed)]
    }

    /// A renewal got no answer that settles it (store unreachable, timeout, 5xx). The holding
    /// continues until its deadline; the next attempt is due a twelfth of the lease later
    /// (but not after the deadline).
    public mutating func renewFailed(at now: Instant) -> [LeaseTransition] {
        renewFailed(sentAt: now, at: now)
    }

    /// A renewal sent at `sentAt` failed (the store did not answer), noticed at `now`. The retry
    /// is due a quarter of the renew interval after the attempt was sent, so the cadence does
    /// not drift with how long the failure took to arrive; never later than the renew deadline.
    public mutating func renewFailed(sentAt: Instant, at now: Instant) -> [LeaseTransition] {
        guard case .holding(var holding) = state else { return [] }
        holding.failedRenewals += 1
        let retry = sentAt.advanced(by: policy.renewAfter(holding.document.leaseDuration) / 4)
        holding.renewAt = min(retry, holding.renewDeadline)
        state = .holding(holding)
        return tick(at: now)
    }

    /// The holding ended for `reason` (e.g. a renewal was refused with 409).
    public mutating func lose(_ reason: LeaseLossReason) -> [LeaseTransition] {
        guard case .holding(let holding) = state else { return [] }
        state = .lost(epoch: holding.epoch, reason: reason)
        return [.lost(epoch: holding.epoch, reason: reason)]
    }

    /// This observer released the lease (the written document has no holder), answered at `now`.
    public mutating func released(_ written: LeaseDocument, at now: Instant) -> [LeaseTransition] {
        document = written
        changedAt = now
        state = .unknown
        return [.released(epoch: written.epoch, next: written.next)] + evaluate(at: now)
    }

    // MARK: - Rules

    /// Recomputes the state from ``document`` and ``changedAt`` (not holding).
    private mutating func evaluate(at now: Instant) -> [LeaseTransition] {
        let previous = state
        guard let document, let changedAt else {
            state = .acquirable(.neverHeld, epoch: 0)
            return []
        }
        let epoch = document.epoch
        if let holder = document.holder {
            if holder == identity {
                state = .acquirable(.abandonedByThisInstance, epoch: epoch)
                return []
            }
            let until = changedAt.advanced(by: policy.expiry(of: document.leaseDuration))
            guard now >= until else {
                state = .observing(holder: holder, epoch: epoch, until: until)
                return []
            }
            state = .acquirable(.expired(holder), epoch: epoch)
            return previous == state ? [] : [.expired(holder, epoch: epoch)]
        }
        if let next = document.next, next != identity.site {
            let until = changedAt.advanced(by: policy.turnGrace(of: document.leaseDuration) * turnRank(after: next))
            state = now >= until
                ? .acquirable(.turnPassed(next: next), epoch: epoch)
                : .awaitingTurn(next: next, epoch: epoch, until: until)
            return []
        }
        state = .acquirable(document.next == nil ? .released : .yourTurn, epoch: epoch)
        return []
    }

    /// How many places after `next` this site comes in ``turnOrder`` (1 without an order; after
    /// every listed site when this one is not listed).
    func turnRank(after next: String) -> Int {
        guard !turnOrder.isEmpty else { return 1 }
        guard let mine = turnOrder.firstIndex(of: identity.site) else { return turnOrder.count }
        guard let named = turnOrder.firstIndex(of: next) else { return mine + 1 }
        return (mine - named + turnOrder.count) % turnOrder.count
    }
}
