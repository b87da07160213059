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
            do {
                let result = try await database.put(id: next.id, next.json, rev: next.rev)
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

    /// What a cycle starting now should know about the fleet.
    public func cycleContext() -> CycleContext {
        CycleContext(
            site: site.name, liveSites: liveness.liveSites(at: clock.now), knownSites: liveness.knownSites,
            draining: site.draining, enabled: site.enabled)
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
            }
        }
        liveness.observe(documents, at: clock.now, wallNow: Date())
    }
}
