import Bootstrap
import CouchDB
import Foundation
import JSON
import Lease
import Processing
import Testing
import TestSupport

/// A fleet of real `gasp worker` processes on one database, for a test to kill, pause and
/// restart. Every worker still running when the test ends is killed.
final class Fleet: @unchecked Sendable {
    // Mutable state is confined to the test task that owns the fleet.
    let database: CouchDatabase
    let workers: [WorkerProcess]
    let scope = "processing"

    init(database: CouchDatabase, workers: [WorkerProcess]) {
        self.database = database
        self.workers = workers
    }

    /// The worker of `site`.
    func worker(_ site: String) -> WorkerProcess { workers.first { $0.site == site }! }

    /// The lease document as stored now (nil when there is none or it cannot be read).
    func lease() async -> LeaseDocument? {
        guard let json = try? await database.getIfExists(LeaseDocument.id(scope: scope)) else { return nil }
        return try? LeaseDocument(json: json)
    }

    /// The cycle record as stored now.
    func cycleRecord() async -> JSONValue? { try? await database.getIfExists("cycle:" + scope) }

    /// The site document of `site` as stored now.
    func siteDocument(_ site: String) async -> SiteDocument? {
        guard let json = try? await database.getIfExists(SiteDocument.id(name: site)) else { return nil }
        return try? SiteDocument(json: json)
    }

    /// Polls until `site`'s document says `state`; records the document and the worker's log
    /// when it does not in time.
    func waitForState(_ state: SiteDocument.State, of site: String, within seconds: Double) async -> Bool {
        if await eventually(within: seconds, { await siteDocument(site)?.state == state }) { return true }
        let document = await siteDocument(site)?.json.serialized() ?? "none"
        Issue.record("\(site) is not \(state.rawValue) after \(seconds) s: \(document)\n\(worker(site).output.suffix(4000))")
        return false
    }

    /// Polls until some site holds the lease; returns the document.
    func waitForHolder(within seconds: Double, excluding excluded: LeaseHolder? = nil) async throws -> LeaseDocument {
        var found: LeaseDocument?
        let held = await eventually(within: seconds) {
            guard let lease = await self.lease(), let holder = lease.holder, holder != excluded else { return false }
            found = lease
            return true
        }
        guard held, let found else { throw TestSupportError("no site held the lease within \(seconds) s") }
        return found
    }

    /// The installed views (the fencing rule among them), from the repository's Views/.
    static func install(into database: CouchDatabase) async throws {
        let views = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Views").standardized
        let bootstrapper = Bootstrapper(documents: try DesignDocumentSource.load(from: views))
        try await bootstrapper.apply(try await bootstrapper.plan(client: database.client, databases: [database.name]), client: database.client)
    }
}

/// Runs `body` with a fresh, bootstrapped database and one started worker per site, each with
/// the `worker:` settings given; the workers are killed afterwards.
func withFleet(
    sites: [String], worker settings: [String], _ body: @Sendable (Fleet, TestCouch) async throws -> Void
) async throws {
    try await withDatabase("gasp_fleet") { database, couch in
        try await Fleet.install(into: database)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gasp-fleet-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let workers = try sites.map {
            try WorkerProcess(site: $0, couch: couch, database: database.name, directory: directory, worker: settings)
        }
        for worker in workers { try worker.start() }
        let fleet = Fleet(database: database, workers: workers)
        defer { for worker in workers { worker.signal(SIGCONT); worker.signal(SIGKILL) } }
        try await body(fleet, couch)
    }
}

/// Polls `condition` every 20 ms until it holds or `seconds` pass; returns whether it held.
func eventually(within seconds: Double, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now.advanced(by: .seconds(seconds))
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}
