import Foundation
import Processing
import Testing
@testable import Worker

/// An instant the test moves by hand.
struct FakeInstant: InstantProtocol {
    var offset: Duration
    func advanced(by duration: Duration) -> FakeInstant { FakeInstant(offset: offset + duration) }
    func duration(to other: FakeInstant) -> Duration { other.offset - offset }
    static func < (a: FakeInstant, b: FakeInstant) -> Bool { a.offset < b.offset }
}

@Suite("Site liveness: judged by revisions changing on our own clock")
struct SiteLivenessTests {
    let wallNow = Date(timeIntervalSince1970: 1_800_000_000)

    func site(_ name: String, rev: String, heartbeatAgo: Double? = 0, state: SiteDocument.State = .standby, enabled: Bool = true) -> SiteDocument {
        var site = SiteDocument(
            name: name, host: "h", pid: 1, instance: "h/1/x", version: "0", backend: "local", capacity: 1,
            supportedVersions: [], heartbeatSeconds: 1)
        site.rev = rev
        site.state = state
        site.enabled = enabled
        if let heartbeatAgo {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            site.heartbeat = formatter.string(from: wallNow.addingTimeInterval(-heartbeatAgo))
        }
        return site
    }

    @Test("a site whose revision keeps changing stays live; one that stops changing goes stale after three heartbeats")
    func revisionsDecide() {
        var liveness = SiteLiveness<FakeInstant>()
        var now = FakeInstant(offset: .zero)
        liveness.observe([site("a", rev: "1"), site("b", rev: "1")], at: now, wallNow: wallNow)
        #expect(liveness.liveSites(at: now) == ["a", "b"])
        for step in 2...5 {
            now = now.advanced(by: .seconds(1))
            liveness.observe([site("a", rev: "\(step)"), site("b", rev: "1")], at: now, wallNow: wallNow)
        }
        // b last changed 4 s ago on our clock with a 1 s heartbeat: stale; a changed just now.
        #expect(liveness.liveSites(at: now) == ["a"])
        #expect(!liveness.isLive("b", at: now))
    }

    @Test("a first sighting trusts the site's own heartbeat time once: fresh is live, old is not")
    func firstSighting() {
        var liveness = SiteLiveness<FakeInstant>()
        let now = FakeInstant(offset: .seconds(100))
        liveness.observe([site("fresh", rev: "1", heartbeatAgo: 0.5), site("old", rev: "1", heartbeatAgo: 3600), site("never", rev: "1", heartbeatAgo: nil)], at: now, wallNow: wallNow)
        #expect(liveness.liveSites(at: now) == ["fresh"])
        // The fresh one's guess runs out like any other sighting.
        #expect(liveness.liveSites(at: now.advanced(by: .seconds(3))) == [])
    }

    @Test("stopped and disabled sites take no turn; the next site wraps round and skips them")
    func turnOrder() {
        var liveness = SiteLiveness<FakeInstant>()
        let now = FakeInstant(offset: .zero)
        liveness.observe([
            site("a", rev: "1"), site("b", rev: "1", state: .stopped), site("c", rev: "1"), site("d", rev: "1", enabled: false),
        ], at: now, wallNow: wallNow)
        #expect(liveness.liveSites(at: now) == ["a", "c"])
        #expect(liveness.nextSite(after: "a", at: now) == "c")
        #expect(liveness.nextSite(after: "c", at: now) == "a")
        #expect(liveness.nextSite(after: "b", at: now) == "c")
        var alone = SiteLiveness<FakeInstant>()
        alone.observe([site("a", rev: "1")], at: now, wallNow: wallNow)
        #expect(alone.nextSite(after: "a", at: now) == "a")
    }

    @Test("a site whose document disappears is forgotten")
    func deleted() {
        var liveness = SiteLiveness<FakeInstant>()
        let now = FakeInstant(offset: .zero)
        liveness.observe([site("a", rev: "1"), site("b", rev: "1")], at: now, wallNow: wallNow)
        liveness.observe([site("a", rev: "2")], at: now, wallNow: wallNow)
        #expect(liveness.liveSites(at: now) == ["a"])
        #expect(liveness.document("b") == nil)
    }
}
