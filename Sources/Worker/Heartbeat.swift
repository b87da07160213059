import CouchDB
import Foundation
import JSON
import Lease
import Logging
import Processing

/// Writes this site's `site:<name>` document and reads everyone else's.
///
/// Each ``beat()`` rewrites the document with this worker's own fields and the current time,
/// keeping the operator's switches (`enabled`, `draining`) and any member someone added by hand
/// as it finds them, then reads every site document to refresh ``SiteLiveness``. A conflict
/// (an operator wrote in between) is resolved by reading again and rewriting.
public actor Heartbeat {
    /// The database the fleet works in.
    public let database: CouchDatabase
    /// What this worker says about itself; `rev` and the operator switches follow the store.
    public private(set) var site: SiteDocument
    private var liveness = SiteLiveness<ContinuousClock.Instant>()
    private let clock = ContinuousClock()
    private let timestamp: @Sendable () -> String
    /// When the first and the last successful heartbeat writes were sent, on our clock.
    private var firstWriteSent: ContinuousClock.Instant?
    private var lastWriteSent: ContinuousClock.Instant?
    /// When the current streak of heartbeats (no gap over half of `dead_after_seconds`) began.
    private var streakStarted: ContinuousClock.Instant?
    /// Refused writes counted since the last successful write of the document.
    private var unpublishedFencedWrites = 0
    /// Another worker process writing this site's document (its instance), as last seen.
    public private(set) var otherInstance: String?

    /// A heartbeat for `site` in `database`.
    public init(database: CouchDatabase, site: SiteDocument, timestamp: @escaping @Sendable () -> String = WallClock.now) {
        self.database = database
        var site = site
        site.started = site.started ?? timestamp()
        self.site = site
        self.timestamp = timestamp
    }

    /// Records what the worker is doing; the next ``beat()`` writes it.
    public func set(state: SiteDocument.State, lease: (scope: String, epoch: Int64)?) {
        site.state = state
        site.lease = lease
    }

    /// The refused-write count of a stored document someone else wrote (a previous process of
    /// this site, or an operator resetting it) plus what this process counted since its last
    /// write: a restart keeps the count, and nothing counted here is lost.
    private func adoptFencedWrites(from stored: SiteDocument) {
        site.fencedWrites = stored.fencedWrites + unpublishedFencedWrites
        if unpublishedFencedWrites == 0 { site.lastFencedWrite = stored.lastFencedWrite }
    }

    /// Records that the site's passes were just followed through its batch system.
    public func recordMonitored() {
        site.monitored = timestamp()
    }

    /// Counts a write the fencing rule refused; the next beat publishes it in the site document.
    public func recordFencedWrite(_ refusal: FencedWriteRefused) {
        site.fencedWrites += 1
        unpublishedFencedWrites += 1
        site.lastFencedWrite = [
            "document": .string(refusal.documentID), "epoch": refusal.epoch.map { .int($0) } ?? .null,
            "time": .string(timestamp()), "reason": .string(refusal.reason),
        ]
    }

    /// Writes the site document now, then reads every site's document.
    public func beat() async throws(CouchError) {
        try await write()
        try await readSites()
    }

    /// Writes the site document, resolving conflicts with operator edits by reading again.
    public func write() async throws(CouchError) {
        var attempts = 0
        while true {
            attempts += 1
            var next = site
            next.heartbeat = timestamp()
            let sent = clock.now
            do {
                let result = try await database.put(id: next.id, next.json, rev: next.rev)
                // A new streak of heartbeats starts after a gap long enough for another worker to
                // have judged this site dead (a pause, a network cut): see ``aliveUntil(at:)``.
                if let last = lastWriteSent, last.duration(to: sent) > .seconds(site.deadAfterSeconds / 2) { streakStarted = sent }
                if firstWriteSent == nil { firstWriteSent = sent }
                if streakStarted == nil { streakStarted = sent }
                lastWriteSent = sent
                // Refusals counted while the write was in flight are still to be published.
                unpublishedFencedWrites = site.fencedWrites - next.fencedWrites
                // Only what the write settled: the state may have changed while it was in
                // flight (this actor is reentrant), and the next beat must carry the new one.
                site.rev = result.rev
                site.heartbeat = next.heartbeat
                return
            } catch where (error.code == .conflict || (error.code == .notFound && next.rev != nil)) && attempts < 5 {
                try await adoptStored()
            }
        }
    }

    /// The live sites by name (the rotate-mode turn order), as of the last read.
    public func liveSites() -> [String] { liveness.liveSites(at: clock.now) }

    /// The site after this one in turn among the live sites (itself when alone).
    public func nextSite() -> String { liveness.nextSite(after: site.name, at: clock.now) }

    /// Whether the operator set this site to drain (claim nothing new), as last read.
    public var isDraining: Bool { site.draining }

    /// The live sites that can take work, by name (enabled, not draining, with capacity).
    public func workingSites() -> [String] { liveness.workingSites(at: clock.now) }

    /// Whether this site can take work: enabled, not draining, with capacity.
    public var acceptsWork: Bool { site.acceptsWork && site.capacity > 0 }

    /// What a cycle starting now should know about the fleet.
    public func cycleContext() -> CycleContext {
        let now = clock.now
        let dead = liveness.deadSites(at: now).filter { $0.name != site.name }
        var deadAfter: [String: Double] = [:]
        for name in liveness.knownSites { deadAfter[name] = liveness.document(name)?.deadAfterSeconds }
        return CycleContext(
            site: site.name, liveSites: liveness.liveSites(at: now), knownSites: liveness.knownSites,
            draining: site.draining, enabled: site.enabled, deadSites: dead.map(\.name),
            deadSiteRevisions: Dictionary(dead.compactMap { entry in entry.rev.map { (entry.name, $0) } }, uniquingKeysWith: { a, _ in a }),
            deadAfter: deadAfter, aliveUntil: aliveUntil(at: now))
    }

    /// Until when every other worker must still count this site as alive: the last heartbeat
    /// write's sending time plus half the site's `dead_after_seconds`. Nothing before the
    /// current streak of heartbeats is two intervals old (at least two seconds): a holder that
    /// judged the site dead just before it came back (after a restart or a long pause) has had
    /// its reset written by then, and the site's next read sees it. Already past before the first
    /// write.
    func aliveUntil(at now: ContinuousClock.Instant) -> ContinuousClock.Instant {
        guard let streak = streakStarted, let last = lastWriteSent else { return now.advanced(by: .seconds(-1)) }
        let warmUp = max(.seconds(2), Duration.seconds(site.heartbeatSeconds * 2))
        guard streak.advanced(by: warmUp) <= now else { return now.advanced(by: .seconds(-1)) }
        return last.advanced(by: .seconds(site.deadAfterSeconds / 2))
    }

    /// The stored document's revision and operator switches, so the next write keeps them.
    private func adoptStored() async throws(CouchError) {
        guard let stored = try await database.getIfExists(site.id) else {
            site.rev = nil
            return
        }
        let read: SiteDocument
        do {
            read = try SiteDocument(json: stored)
        } catch {
            // A document someone broke by hand: overwrite it with ours, keeping its revision.
            site.rev = stored["_rev"]?.stringValue
            return
        }
        site.rev = read.rev
        site.enabled = read.enabled
        site.draining = read.draining
        site.extra = read.extra
        adoptFencedWrites(from: read)
        // Before our first write this is the document a previous process of this site left.
        if firstWriteSent != nil, !read.instance.isEmpty, read.instance != site.instance {
            otherInstance = read.instance
            site.extra["other_instance"] = .string(read.instance)
            site.extra["other_instance_seen"] = .string(timestamp())
        }
    }

    /// Reads every `site:` document, refreshing liveness and this site's operator switches.
    private func readSites() async throws(CouchError) {
        let rows = try await database.allDocs(.prefix("site:", includeDocs: true)).rows
        var documents: [SiteDocument] = []
        for row in rows {
            guard let json = row.doc, let document = try? SiteDocument(json: json) else { continue }
            documents.append(document)
            if document.name == site.name, document.rev == site.rev {
                site.enabled = document.enabled
                site.draining = document.draining
            } else if document.name == site.name {
                // An operator changed the switches since our write: adopt them and their revision.
                site.rev = document.rev
                site.enabled = document.enabled
                site.draining = document.draining
                site.extra = document.extra
                adoptFencedWrites(from: document)
                // Another worker process under this site's name wrote it: flag it, for the
                // operator (`gasp status`) and in the log.
                if firstWriteSent != nil, !document.instance.isEmpty, document.instance != site.instance {
                    otherInstance = document.instance
                    site.extra["other_instance"] = .string(document.instance)
                    site.extra["other_instance_seen"] = .string(timestamp())
                }
            }
        }
        liveness.observe(documents, at: clock.now, wallNow: Date())
    }
}
