@testable import Lease
import Testing

/// The state machine alone, on a clock that moves only when the test says.
@Suite("Lease observer: every transition on an injected clock")
struct LeaseObserverTests {
    static let me = LeaseHolder(site: "site-a", instance: "a/1/aa")
    static let other = LeaseHolder(site: "site-b", instance: "b/2/bb")
    static let third = LeaseHolder(site: "site-c", instance: "c/3/cc")

    /// A document as another holder wrote it, at revision `rev`.
    static func held(by holder: LeaseHolder?, epoch: Int64, rev: String, seconds: Double = 15, next: String? = nil) -> LeaseDocument {
        var document = LeaseDocument(scope: "processing", leaseSeconds: seconds, mode: .hold)
        document.holder = holder
        document.epoch = epoch
        document.rev = rev
        document.next = next
        return document
    }

    func observer(drift: Double = 0.05) -> LeaseObserver<TestInstant> {
        LeaseObserver(identity: Self.me, policy: LeasePolicy(driftMargin: drift))
    }

    @Test("nothing read: unknown; no document: acquirable as never held")
    func neverHeld() {
        var lease = observer()
        #expect(lease.state == .unknown)
        #expect(!lease.mayAcquire)
        #expect(lease.observe(nil, at: .at(0)).isEmpty)
        #expect(lease.state == .acquirable(.neverHeld, epoch: 0))
        #expect(lease.nextDeadline == nil)
    }

    @Test("a held lease expires lease × (1 + drift) after the revision was first seen, on the observer's clock")
    func expiry() {
        var lease = observer()
        let transitions = lease.observe(Self.held(by: Self.other, epoch: 4, rev: "9-a"), at: .at(100))
        #expect(transitions == [.holderObserved(Self.other, epoch: 4)])
        #expect(lease.state == .observing(holder: Self.other, epoch: 4, until: .at(115.75)))
        #expect(lease.nextDeadline == .at(115.75))
        #expect(lease.tick(at: .at(115.7)).isEmpty)
        #expect(!lease.mayAcquire)
        // The same revision read again later does not restart the wait.
        #expect(lease.observe(Self.held(by: Self.other, epoch: 4, rev: "9-a"), at: .at(110)).isEmpty)
        #expect(lease.state == .observing(holder: Self.other, epoch: 4, until: .at(115.75)))
        #expect(lease.tick(at: .at(115.75)) == [.expired(Self.other, epoch: 4)])
        #expect(lease.state == .acquirable(.expired(Self.other), epoch: 4))
        // Reported once.
        #expect(lease.tick(at: .at(120)).isEmpty)
        #expect(lease.observe(Self.held(by: Self.other, epoch: 4, rev: "9-a"), at: .at(121)).isEmpty)
    }

    @Test("a renewal (new revision, same holder) restarts the wait without reporting a new holder")
    func renewalRestartsWait() {
        var lease = observer()
        _ = lease.observe(Self.held(by: Self.other, epoch: 4, rev: "9-a"), at: .at(0))
        #expect(lease.observe(Self.held(by: Self.other, epoch: 4, rev: "10-b"), at: .at(14)).isEmpty)
        #expect(lease.state == .observing(holder: Self.other, epoch: 4, until: .at(29.75)))
        #expect(lease.changedAt == .at(14))
        // A new holder with a new epoch is reported.
        #expect(lease.observe(Self.held(by: Self.third, epoch: 5, rev: "11-c"), at: .at(20)) == [.holderObserved(Self.third, epoch: 5)])
        #expect(lease.state == .observing(holder: Self.third, epoch: 5, until: .at(35.75)))
    }

    @Test("expiry uses the lease seconds stored in the document and the configured drift margin")
    func storedSecondsAndDrift() {
        var lease = observer(drift: 0.2)
        _ = lease.observe(Self.held(by: Self.other, epoch: 1, rev: "1-a", seconds: 30), at: .at(10))
        #expect(lease.state == .observing(holder: Self.other, epoch: 1, until: .at(46)))
        var short = observer(drift: 0)
        _ = short.observe(Self.held(by: Self.other, epoch: 1, rev: "1-a", seconds: 1.5), at: .at(10))
        #expect(short.state == .observing(holder: Self.other, epoch: 1, until: .at(11.5)))
    }

    @Test("the first sight of a held lease waits a whole lease, however old its wall-clock times look")
    func firstSightWaitsWholeLease() {
        var lease = observer()
        var document = Self.held(by: Self.other, epoch: 3, rev: "5-a")
        document.renewed = "2001-01-01T00:00:00.000Z"
        _ = lease.observe(document, at: .at(1000))
        #expect(lease.state == .observing(holder: Self.other, epoch: 3, until: .at(1015.75)))
    }

    @Test("holding: renew at lease/3 and deadline at 2/3 lease after the write was sent")
    func holding() {
        var lease = observer()
        _ = lease.observe(nil, at: .at(0))
        let written = Self.held(by: Self.me, epoch: 1, rev: "1-a", seconds: 15)
        #expect(lease.acquired(written, sentAt: .at(1), at: .at(1.2)) == [.acquired(epoch: 1, opening: .neverHeld)])
        guard case .holding(let holding) = lease.state else {
            Issue.record("not holding: \(lease.state)")
            return
        }
        #expect(holding.renewAt == .at(6))
        #expect(holding.renewDeadline == .at(11))
        #expect(lease.nextDeadline == .at(6))
        #expect(lease.state.heldEpoch == 1)

        let renewed = written.renewed(at: "T")
        var next = renewed
        next.rev = "2-b"
        #expect(lease.renewed(next, sentAt: .at(6), at: .at(6.1)) == [.renewed(epoch: 1, late: false, failedAttempts: 0)])
        guard case .holding(let after) = lease.state else {
            Issue.record("not holding: \(lease.state)")
            return
        }
        #expect(after.renewAt == .at(11))
        #expect(after.renewDeadline == .at(16))
        #expect(after.document.rev == "2-b")
    }

    @Test("failed renewals retry sooner, are reported late once one succeeds, and end the holding at the deadline")
    func failedRenewals() {
        var lease = observer()
        _ = lease.observe(nil, at: .at(0))
        let written = Self.held(by: Self.me, epoch: 1, rev: "1-a", seconds: 12)
        _ = lease.acquired(written, sentAt: .at(0), at: .at(0))
        // renew at 4, deadline at 8; a failed attempt retries a twelfth of the lease later.
        #expect(lease.renewFailed(at: .at(4.2)).isEmpty)
        guard case .holding(let retrying) = lease.state else {
            Issue.record("not holding")
            return
        }
        #expect(retrying.renewAt == .at(5.2))
        #expect(retrying.failedRenewals == 1)
        var next = written
        next.rev = "2-b"
        #expect(lease.renewed(next, sentAt: .at(5.2), at: .at(5.3)) == [.renewed(epoch: 1, late: true, failedAttempts: 1)])

        // Now no renewal succeeds: the deadline (5.2 + 8) ends it.
        _ = lease.renewFailed(at: .at(9.3))
        _ = lease.renewFailed(at: .at(12.9))
        guard case .holding(let last) = lease.state else {
            Issue.record("not holding")
            return
        }
        #expect(last.renewAt <= last.renewDeadline)
        #expect(lease.tick(at: .at(13.19)).isEmpty)
        #expect(lease.tick(at: .at(13.2)) == [.lost(epoch: 1, reason: .renewDeadlinePassed)])
        #expect(lease.state == .lost(epoch: 1, reason: .renewDeadlinePassed))
        // A renewal answered after the deadline does not revive the holding.
        var late = next
        late.rev = "3-c"
        #expect(lease.renewed(late, sentAt: .at(12.9), at: .at(13.5)).isEmpty)
        #expect(!lease.state.isHolding)
    }

    @Test("a failed renewal's retry is timed from when it was sent, not from when the failure arrived")
    func retryFromSendTime() {
        var lease = observer()
        _ = lease.observe(nil, at: .at(0))
        _ = lease.acquired(Self.held(by: Self.me, epoch: 1, rev: "1-a", seconds: 12), sentAt: .at(0), at: .at(0))
        // Sent at 4, the failure noticed at 4.9 (a slow timeout): the retry is still due at 5.
        #expect(lease.renewFailed(sentAt: .at(4), at: .at(4.9)).isEmpty)
        guard case .holding(let retrying) = lease.state else {
            Issue.record("not holding")
            return
        }
        #expect(retrying.renewAt == .at(5))
    }

    @Test("a renewal answered after its deadline is a loss, not a renewal")
    func renewalAfterDeadline() {
        var lease = observer()
        _ = lease.observe(nil, at: .at(0))
        let written = Self.held(by: Self.me, epoch: 1, rev: "1-a", seconds: 3)
        _ = lease.acquired(written, sentAt: .at(0), at: .at(0))
        var next = written
        next.rev = "2-b"
        #expect(lease.renewed(next, sentAt: .at(1), at: .at(2.5)) == [.lost(epoch: 1, reason: .renewDeadlinePassed)])
    }

    @Test("the holder's deadline comes before any observer's expiry, even with clocks drifting by the margin")
    func deadlineBeforeExpiry() {
        for drift in [0.0, 0.05, 0.2, 0.5] {
            let policy = LeasePolicy(driftMargin: drift)
            for seconds in [1.0, 2, 10, 15, 60] {
                let lease = Duration.seconds(seconds)
                // An observer whose clock runs (1 + drift) times fast still waits a whole lease
                // of real time, while the holder stops 2/3 of a lease after sending.
                let observerRealWait = policy.expiry(of: lease) / (1 + drift)
                #expect(policy.renewDeadline(of: lease) < observerRealWait)
                #expect(policy.renewAfter(lease) < policy.renewDeadline(of: lease))
            }
        }
    }

    @Test("a read showing another writer ends the holding")
    func overwritten() {
        var lease = observer()
        _ = lease.observe(nil, at: .at(0))
        _ = lease.acquired(Self.held(by: Self.me, epoch: 2, rev: "3-a"), sentAt: .at(0), at: .at(0))
        // Our own revision read back: nothing happens.
        #expect(lease.observe(Self.held(by: Self.me, epoch: 2, rev: "3-a"), at: .at(1)).isEmpty)
        #expect(lease.state.isHolding)
        let transitions = lease.observe(Self.held(by: Self.other, epoch: 3, rev: "4-b"), at: .at(2))
        #expect(transitions == [
            .lost(epoch: 2, reason: .overwritten(by: Self.other, epoch: 3)),
            .holderObserved(Self.other, epoch: 3),
        ])
        #expect(lease.state == .observing(holder: Self.other, epoch: 3, until: .at(17.75)))
    }

    @Test("a retried write of our own read back keeps the holding")
    func ownRetriedWrite() {
        var lease = observer()
        _ = lease.observe(nil, at: .at(0))
        _ = lease.acquired(Self.held(by: Self.me, epoch: 2, rev: "3-a"), sentAt: .at(0), at: .at(0))
        #expect(lease.observe(Self.held(by: Self.me, epoch: 2, rev: "4-b"), at: .at(1)).isEmpty)
        guard case .holding(let holding) = lease.state else {
            Issue.record("not holding")
            return
        }
        #expect(holding.document.rev == "4-b")
        #expect(holding.renewDeadline == .at(10))
    }

    @Test("a lost race asks for a new read; a refused renewal is a loss")
    func raceAndRefusal() {
        var lease = observer()
        _ = lease.observe(Self.held(by: nil, epoch: 6, rev: "8-a"), at: .at(0))
        #expect(lease.state == .acquirable(.released, epoch: 6))
        #expect(lease.acquireFailed(epoch: 7) == [.contended(epoch: 7)])
        #expect(lease.state == .unknown)

        _ = lease.observe(Self.held(by: nil, epoch: 7, rev: "10-a"), at: .at(1))
        _ = lease.acquired(Self.held(by: Self.me, epoch: 8, rev: "11-b"), sentAt: .at(1), at: .at(1))
        #expect(lease.lose(.refused) == [.lost(epoch: 8, reason: .refused)])
        #expect(lease.state == .lost(epoch: 8, reason: .refused))
        #expect(lease.lose(.refused).isEmpty)
    }

    @Test("a document still naming this instance after it lost the lease may be taken back at once")
    func abandonedByThisInstance() {
        var lease = observer()
        _ = lease.observe(nil, at: .at(0))
        let written = Self.held(by: Self.me, epoch: 5, rev: "7-a", seconds: 3)
        _ = lease.acquired(written, sentAt: .at(0), at: .at(0))
        _ = lease.tick(at: .at(2))
        #expect(lease.state == .lost(epoch: 5, reason: .renewDeadlinePassed))
        #expect(lease.observe(written, at: .at(2.5)).isEmpty)
        #expect(lease.state == .acquirable(.abandonedByThisInstance, epoch: 5))
        // So may a new process of ours find its predecessor's instance? No: a different
        // instance of the same site is another holder, waited out like any other.
        var restarted = LeaseObserver<TestInstant>(identity: LeaseHolder(site: "site-a", instance: "a/9/zz"))
        _ = restarted.observe(written, at: .at(3))
        #expect(restarted.state == .observing(holder: Self.me, epoch: 5, until: .at(6.15)))
    }

    @Test("release: holder gone, epoch kept; the named site may take its turn, others wait out the grace")
    func releaseAndTurns() {
        var holder = observer()
        _ = holder.observe(nil, at: .at(0))
        let written = Self.held(by: Self.me, epoch: 3, rev: "4-a", seconds: 10)
        _ = holder.acquired(written, sentAt: .at(0), at: .at(0))
        var released = written.released(next: "site-b", at: "T")
        released.rev = "5-b"
        #expect(holder.released(released, at: .at(2)) == [.released(epoch: 3, next: "site-b")])
        #expect(holder.state == .awaitingTurn(next: "site-b", epoch: 3, until: .at(12)))

        var named = LeaseObserver<TestInstant>(identity: Self.other)
        #expect(named.observe(released, at: .at(2.1)).isEmpty)
        #expect(named.state == .acquirable(.yourTurn, epoch: 3))

        var bystander = LeaseObserver<TestInstant>(identity: Self.third)
        _ = bystander.observe(released, at: .at(2.2))
        #expect(bystander.state == .awaitingTurn(next: "site-b", epoch: 3, until: .at(12.2)))
        #expect(bystander.nextDeadline == .at(12.2))
        #expect(bystander.tick(at: .at(12.1)).isEmpty)
        _ = bystander.tick(at: .at(12.2))
        #expect(bystander.state == .acquirable(.turnPassed(next: "site-b"), epoch: 3))

        var anyone = LeaseObserver<TestInstant>(identity: Self.third)
        _ = anyone.observe(Self.held(by: nil, epoch: 3, rev: "5-c"), at: .at(0))
        #expect(anyone.state == .acquirable(.released, epoch: 3))
    }

    @Test("a missed turn goes to the site after the named one first, then the next, in turn order")
    func missedTurnFollowsOrder() {
        let order = ["site-a", "site-b", "site-c", "site-d"]
        let released = Self.held(by: nil, epoch: 3, rev: "5-a", seconds: 10, next: "site-b")
        func wait(for site: String, order: [String]) -> TestInstant? {
            var lease = LeaseObserver<TestInstant>(identity: LeaseHolder(site: site, instance: site + "/1"))
            lease.turnOrder = order
            _ = lease.observe(released, at: .at(0))
            if case .awaitingTurn(_, _, let until) = lease.state { return until }
            return nil
        }
        #expect(wait(for: "site-c", order: order) == .at(10))
        #expect(wait(for: "site-d", order: order) == .at(20))
        #expect(wait(for: "site-a", order: order) == .at(30))
        // A site missing from the order comes after every listed one; no order: one grace each.
        #expect(wait(for: "site-e", order: order) == .at(40))
        #expect(wait(for: "site-c", order: []) == .at(10))
        #expect(wait(for: "site-a", order: []) == .at(10))
        // If the named site is not listed, the listed ones go in list order.
        var lease = LeaseObserver<TestInstant>(identity: LeaseHolder(site: "site-c", instance: "c/1"))
        lease.turnOrder = ["site-a", "site-c"]
        _ = lease.observe(released, at: .at(0))
        #expect(lease.state == .awaitingTurn(next: "site-b", epoch: 3, until: .at(20)))
    }

    @Test("an acquisition answered after its own deadline is reported and lost at once")
    func acquisitionTooSlow() {
        var lease = observer()
        _ = lease.observe(nil, at: .at(0))
        let transitions = lease.acquired(Self.held(by: Self.me, epoch: 1, rev: "1-a", seconds: 3), sentAt: .at(0), at: .at(2.5))
        #expect(transitions == [.acquired(epoch: 1, opening: .neverHeld), .lost(epoch: 1, reason: .renewDeadlinePassed)])
    }

    @Test("policy validation", arguments: [
        (LeasePolicy(driftMargin: -0.1), false), (LeasePolicy(driftMargin: 1), false),
        (LeasePolicy(renewInterval: 0.7, renewDeadline: 0.6), false), (LeasePolicy(renewDeadline: 1), false),
        (LeasePolicy(turnGrace: -1), false), (LeasePolicy(), true), (LeasePolicy(driftMargin: 0.1, renewInterval: 0.25, renewDeadline: 0.8), true),
    ])
    func policyValidation(policy: LeasePolicy, valid: Bool) {
        #expect(((try? policy.validate()) != nil) == valid)
    }
}
