import Foundation
import Lease
import Processing

/// Which sites are alive, judged the way the lease is: by seeing a site's document change on
/// this process's own monotonic clock, never by comparing another host's wall clock with ours.
///
/// A site counts as live while its `site:<name>` document changed (a new `_rev`) less than
/// ``staleness(for:)`` ago on our clock. A site seen for the first time has no such history, so
/// its own wall-clock heartbeat time decides, once, with the same bound: a worker that just
/// started can name the next site in turn at once instead of waiting a whole staleness period.
public struct SiteLiveness<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    struct Sighting: Sendable {
        var rev: String?
        var changedAt: Instant?
        var document: SiteDocument
    }

    /// How many heartbeats a site may miss before it counts as gone.
    public var missedHeartbeats: Double
    private var sightings: [String: Sighting] = [:]

    /// A tracker that counts a site as gone after `missedHeartbeats` missed heartbeats.
    public init(missedHeartbeats: Double = 3) {
        self.missedHeartbeats = missedHeartbeats
    }

    /// How long `site` may go without a new revision: its own heartbeat interval (from its
    /// document) times ``missedHeartbeats``, and at least a second.
    public func staleness(for site: SiteDocument) -> Duration { .seconds(stalenessSeconds(for: site)) }

    func stalenessSeconds(for site: SiteDocument) -> Double { max(1, site.heartbeatSeconds * missedHeartbeats) }

    /// Records a read of every site document at `now` (our clock), with `wallNow` to judge
    /// first sightings by their heartbeat time.
    public mutating func observe(_ sites: [SiteDocument], at now: Instant, wallNow: Date) {
        for site in sites {
            if var known = sightings[site.name] {
                if known.rev != site.rev {
                    known.rev = site.rev
                    known.changedAt = now
                }
                known.document = site
                sightings[site.name] = known
            } else {
                // First sighting: trust its wall-clock heartbeat once, to tell a site that is
                // beating from a document left behind by a site long gone.
                var changedAt: Instant?
                if let text = site.heartbeat, let beat = Self.parse(text) {
                    let age = wallNow.timeIntervalSince(beat)
                    if age.isFinite, age < 10 * 365 * 86_400 {
                        changedAt = now.advanced(by: .seconds(-max(0, age)))
                    }
                }
                sightings[site.name] = Sighting(rev: site.rev, changedAt: changedAt, document: site)
            }
        }
        let present = Set(sites.map(\.name))
        sightings = sightings.filter { present.contains($0.key) }
    }

    /// Whether `name` is live at `now`: beating, and not marked stopped.
    public func isLive(_ name: String, at now: Instant) -> Bool {
        guard let sighting = sightings[name], let changedAt = sighting.changedAt else { return false }
        guard sighting.document.state != .stopped else { return false }
        return changedAt.duration(to: now) < staleness(for: sighting.document)
    }

    /// Whether `name` is dead at `now`: no new revision of its document for longer than its own
    /// `dead_after_seconds` (a first sighting judged by its wall-clock heartbeat time), or no
    /// heartbeat ever. A site stopped gracefully is dead only after the same time: its batch
    /// jobs may still be running.
    public func isDead(_ name: String, at now: Instant) -> Bool {
        guard let sighting = sightings[name] else { return false }
        guard let changedAt = sighting.changedAt else { return true }
        return changedAt.duration(to: now) >= .seconds(max(1, sighting.document.deadAfterSeconds))
    }

    /// The dead sites at `now` with the revision of their document as last read.
    public func deadSites(at now: Instant) -> [(name: String, rev: String?)] {
        sightings.keys.sorted().filter { isDead($0, at: now) }.map { ($0, sightings[$0]?.rev) }
    }

    /// The live sites at `now` that can take work (enabled, not draining, with capacity), by
    /// name: the sites a holder that cannot work hands the lease to.
    public func workingSites(at now: Instant) -> [String] {
        sightings.keys.filter { name in
            guard isLive(name, at: now), let document = sightings[name]?.document else { return false }
            return document.acceptsWork && document.capacity > 0
        }.sorted()
    }

    /// The live, enabled sites at `now`, by name: the rotate-mode turn order.
    public func liveSites(at now: Instant) -> [String] {
        sightings.keys.filter { isLive($0, at: now) && sightings[$0]?.document.enabled == true }.sorted()
    }

    /// Every site with a document, by name.
    public var knownSites: [String] { sightings.keys.sorted() }

    /// The document of `name` as last read.
    public func document(_ name: String) -> SiteDocument? { sightings[name]?.document }

    /// The live site that takes the turn after `site` (alphabetical, wrapping round), or `site`
    /// itself when no other site is live.
    public func nextSite(after site: String, at now: Instant) -> String {
        let live = liveSites(at: now).filter { $0 != site }
        return live.first { $0 > site } ?? live.first ?? site
    }

    static func parse(_ text: String) -> Date? {
        WallClock.secondsSince1970(text).map { Date(timeIntervalSince1970: $0) }
    }
}
