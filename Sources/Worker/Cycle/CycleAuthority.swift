import Lease

/// Under what authority one round of the cycle acts at its site.
///
/// Always the site's own: it may act on the site's batch system only while every other worker
/// must still count the site as alive (``CycleContext/aliveUntil``), so no holder can have reset
/// its passes meanwhile. While the worker holds the fleet lease, also the lease's: its epoch is
/// stamped on every write and history entry, and the holding must still be valid on the
/// holder's own monotonic clock. Without the lease (a standby following its own passes) writes
/// keep the epoch each document carries.
///
/// ``checkBeforeActing()`` is called right before every side effect outside the database (a
/// submission, a cancellation, a file published or removed): a holder paused past its renew
/// deadline, or whose cycle was cancelled when its holding ended, acts on nothing after it
/// wakes.
struct CycleAuthority: Sendable {
    /// The fleet lease term, while held.
    let term: LeaseTerm?
    /// The site's bound (see ``CycleContext/aliveUntil``).
    let aliveUntil: ContinuousClock.Instant?
    /// This site.
    let site: String

    /// The authority of a holder of `term`.
    init(term: LeaseTerm, context: CycleContext) {
        self.term = term
        self.aliveUntil = context.aliveUntil
        self.site = context.site
    }

    /// The authority of a site without the lease.
    init(context: CycleContext) {
        self.term = nil
        self.aliveUntil = context.aliveUntil
        self.site = context.site
    }

    /// The epoch every write and history entry carries; nil keeps the document's.
    var epoch: Int64? { term?.epoch }

    /// Throws unless this round may still act: not cancelled, the lease (if any) still held by
    /// its own clock, the site still alive in everyone's eyes.
    func checkBeforeActing() throws {
        try Task.checkCancellation()
        try term?.checkHeld()
        if !siteMayAct { throw SiteNotAlive(site: site) }
    }

    /// Whether the site may act on its batch system now (see ``CycleContext/aliveUntil``).
    var siteMayAct: Bool { aliveUntil.map { ContinuousClock.now < $0 } ?? true }

    /// Throws when the lease (if any) is no longer held or the round was cancelled; for the
    /// points between steps.
    func checkHeld() throws {
        try Task.checkCancellation()
        try term?.checkHeld()
    }
}

/// The site may not act on its batch system now: its heartbeats have not been written recently
/// and steadily enough for every other worker to count it as alive. The round stops; the next
/// one tries again once the heartbeat is back.
struct SiteNotAlive: Error, CustomStringConvertible {
    let site: String
    var description: String {
        "site \(site) has not written its heartbeat recently and steadily enough to act on its batch system"
    }
}
