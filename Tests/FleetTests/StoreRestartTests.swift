import CouchDB
import Foundation
import JSON
import Lease
import Processing
import Testing
import TestSupport

/// The store behind a fleet killed and restarted while a worker holds the lease.
@Suite("Fleet: the store restarts mid-lease", .serialized, .timeLimit(.minutes(2)))
struct StoreRestartTests {
    static let external = !(ProcessInfo.processInfo.environment["GASP_TEST_COUCHDB_URL"] ?? "").isEmpty

    @Test(
        "workers ride out a SIGKILLed and restarted store: none crashes, holdings never overlap, one holds again",
        .disabled(if: external, "restarts a `gasp serve` process; an external CouchDB cannot be restarted from a test"),
        arguments: [Outage.brief, .beyondRenewDeadline])
    func storeRestart(outage: Outage) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gasp-restart-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let serve = ServeProcess(dataDirectory: directory.appendingPathComponent("data"))
        try await serve.start()
        defer { serve.kill(SIGKILL) }
        let couch = TestCouch(
            baseURL: URL(string: "http://127.0.0.1:\(serve.port)")!, adminName: testAdminName, adminPassword: testAdminPassword,
            isExternal: false, dataDirectory: nil)
        let client = try makeClient(couch)
        do {
            try await Self.exercise(client: client, couch: couch, serve: serve, directory: directory, outage: outage)
            try await client.shutdown()
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    /// How long the store stays down.
    enum Outage: String, Sendable, CustomTestStringConvertible {
        /// Restarted as soon as the holder notices: it may keep its lease.
        case brief
        /// Restarted only after the holder has given up its lease at the renew deadline.
        case beyondRenewDeadline
        var testDescription: String { rawValue }
    }

    static func exercise(client: CouchClient, couch: TestCouch, serve: ServeProcess, directory: URL, outage: Outage) async throws {
        let database = client.database("gasp_restart")
        try await database.create()
        try await Fleet.install(into: database)
        let settings = ["lease: {scope: processing, seconds: 3, mode: hold}", "heartbeat_seconds: 0.5", "cycle_seconds: 0.2"]
        let workers = try ["site-a", "site-b", "site-c"].map {
            try WorkerProcess(site: $0, couch: couch, database: database.name, directory: directory, worker: settings)
        }
        for worker in workers { try worker.start() }
        defer { for worker in workers { worker.signal(SIGKILL) } }
        let fleet = Fleet(database: database, workers: workers)
        let first = try await fleet.waitForHolder(within: 30)
        let holder = fleet.worker(first.holder!.site)
        // Every worker is up and beating before the store goes away.
        for worker in workers where worker !== holder {
            #expect(await fleet.waitForState(.standby, of: worker.site, within: 10))
        }

        // Kill the store, and bring it back on the same port once the holder has noticed.
        let beforeKill = try #require(await fleet.lease())
        serve.kill(SIGKILL)
        try await serve.waitForExit()
        switch outage {
        case .brief:
            #expect(await eventually(within: 10) { !holder.lines("lease store unavailable").isEmpty || !holder.lines("lease lost").isEmpty })
        case .beyondRenewDeadline:
            #expect(await eventually(within: 10) { !holder.lines("lease lost").isEmpty })
        }
        try await serve.start(port: couch.baseURL.port!)

        // Afterwards the lease is written again (renewed or taken over), and its holder then
        // keeps renewing it: exactly one site holds it.
        var after: LeaseDocument?
        let written = await eventually(within: 20) {
            guard let now = await fleet.lease(), now.rev != beforeKill.rev, now.holder != nil else { return false }
            after = now
            return true
        }
        #expect(written)
        let taken = try #require(after)
        let renewed = await eventually(within: 10) {
            guard let now = await fleet.lease() else { return false }
            return now.holder == taken.holder && now.epoch == taken.epoch && now.rev != taken.rev
        }
        #expect(renewed)
        #expect(taken.epoch >= beforeKill.epoch)
        if outage == .beyondRenewDeadline { #expect(taken.epoch == beforeKill.epoch + 1) }
        let holderSite = taken.holder!.site
        let oneHolding = await eventually(within: 10) { await Self.holdingSites(fleet) == [holderSite] }
        #expect(oneHolding)
        if !renewed || !oneHolding {
            for worker in workers {
                let document = await fleet.siteDocument(worker.site)?.json.serialized() ?? "none"
                Issue.record("\(worker.site): \(document)\n\(worker.output.suffix(3000))")
            }
        }
        for worker in workers {
            #expect(worker.isRunning, "\(worker.site) exited:\n\(worker.output.suffix(2000))")
        }
        // No two holdings overlapped, by the workers' own logs (one machine, one clock).
        let holdings = workers.flatMap { Self.holdings(in: $0) }.sorted { $0.start < $1.start }
        for (earlier, later) in zip(holdings, holdings.dropFirst()) {
            #expect(earlier.end <= later.start, "\(earlier) overlaps \(later)")
        }
        #expect(Set(holdings.map(\.epoch)).count == holdings.count, "an epoch was held twice: \(holdings)")
    }

    /// The sites whose documents say they hold the lease.
    static func holdingSites(_ fleet: Fleet) async -> [String] {
        var holding: [String] = []
        for worker in fleet.workers {
            if await fleet.siteDocument(worker.site)?.state == .holding { holding.append(worker.site) }
        }
        return holding
    }

    struct Holding: Sendable, CustomStringConvertible {
        let site: String
        let epoch: String
        let start: String
        let end: String
        var description: String { "\(site)@\(epoch) [\(start) … \(end)]" }
    }

    /// The holdings a worker logged: from `lease acquired` to `lease lost` or `lease released`
    /// of the same epoch (or on to the end of time while it still holds).
    static func holdings(in worker: WorkerProcess) -> [Holding] {
        var open: [String: String] = [:]
        var result: [Holding] = []
        for line in worker.logLines {
            guard let message = line["message"]?.stringValue, let epoch = line["epoch"]?.stringValue,
                  let time = line["time"]?.stringValue else { continue }
            switch message {
            case "lease acquired": open[epoch] = time
            case "lease lost", "lease released":
                if let start = open.removeValue(forKey: epoch) { result.append(Holding(site: worker.site, epoch: epoch, start: start, end: time)) }
            default: break
            }
        }
        for (epoch, start) in open { result.append(Holding(site: worker.site, epoch: epoch, start: start, end: "9999")) }
        return result
    }
}
