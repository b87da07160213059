import Bootstrap
import CouchDB
import Foundation
import JSON
import Lease
import Logging
import Processing
import ServiceLifecycle
import Synchronization
import Testing
import TestSupport
@testable import Worker

/// A cycle that reports one check each round.
struct CountingCycle: GuardedCycle {
    func runCycle(_ term: LeaseTerm, context: CycleContext) async throws -> CycleSummary {
        CycleSummary(counts: ["checked": 1])
    }
}

/// Fails its first rounds as a store outage would, then works.
final class FlakyCycle: GuardedCycle, Sendable {
    let remainingFailures = Mutex(2)

    func runCycle(_ term: LeaseTerm, context: CycleContext) async throws -> CycleSummary {
        let fail = remainingFailures.withLock { remaining -> Bool in
            defer { remaining -= 1 }
            return remaining > 0
        }
        if fail { throw CouchError(code: .transport, reason: "connection refused", method: "GET", path: "/db/_design/passes") }
        return CycleSummary(counts: ["checked": 1])
    }
}

@Suite("Site worker in one process: heartbeat, lease, cycle, graceful shutdown")
struct SiteWorkerTests {
    @Test("a cycle that fails (a store or batch-system outage) keeps the lease and is tried again next round")
    func failedCycleKeepsLease() async throws {
        try await Self.withRunningWorker(cycle: FlakyCycle()) { worker, database in
            let record = CycleRecord(database: database, scope: "processing")
            #expect(await poll(within: 20) { (try? await record.read())?["count"]?.intValue ?? 0 >= 1 })
            let lease = try LeaseDocument(json: try await database.get("lease:processing"))
            // Still the first holding: the failures did not hand the lease on.
            #expect(lease.epoch == 1)
            #expect(lease.holder == worker.identity)
            #expect(lease.lastHolders.count == 1)
        }
    }

    /// Runs a worker for site-a (fast heartbeats and cycles) in a service group on a fresh
    /// bootstrapped database while `body` runs, then shuts the group down gracefully. The lease
    /// is 10 s: nothing here waits for it to expire, and a shorter one can miss a renewal when
    /// the other suites load the machine.
    static func withRunningWorker(
        cycle: any GuardedCycle = IdleCycle(), _ body: @Sendable (SiteWorker, CouchDatabase) async throws -> Void,
        afterwards: @Sendable (CouchDatabase) async throws -> Void = { _ in }
    ) async throws {
        try await withDatabase("gasp_worker") { database, _ in
            try await installViews(into: database)
            let worker = try SiteWorker(
                database: database,
                configuration: SiteWorkerConfiguration(
                    site: "site-a", leaseSeconds: 10, heartbeatInterval: .milliseconds(200), cycleInterval: .milliseconds(100)),
                cycle: cycle, logger: logger())
            let group = ServiceGroup(services: worker.services, logger: logger())
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                do {
                    try await body(worker, database)
                } catch {
                    await group.triggerGracefulShutdown()
                    throw error
                }
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
            try await afterwards(database)
        }
    }

    static func logger() -> Logger {
        var logger = Logger(label: "gasp.test.worker")
        logger.logLevel = .warning
        return logger
    }

    @Test("holds the lease, records its cycles, and on graceful shutdown releases the lease and says stopped")
    func holdAndShutDown() async throws {
        try await Self.withRunningWorker(cycle: CountingCycle()) { _, database in
            let record = CycleRecord(database: database, scope: "processing")
            #expect(await poll(within: 20) { (try? await record.read())?["count"]?.intValue ?? 0 >= 3 })
            let site = try SiteDocument(json: try await database.get("site:site-a"))
            #expect(site.state == .holding)
            #expect(site.lease?.scope == "processing")
            let last = try #require(try await record.read()?["last"])
            #expect(last["site"] == "site-a")
            #expect(last["counts"]?["checked"] == 1)
            #expect(last["epoch"]?.intValue == Int(site.lease?.epoch ?? -1))
        } afterwards: { database in
            let lease = try LeaseDocument(json: try await database.get("lease:processing"))
            #expect(lease.holder == nil)
            #expect(lease.lastHolders.last?.released != nil)
            let site = try SiteDocument(json: try await database.get("site:site-a"))
            #expect(site.state == .stopped)
            #expect(site.lease == nil)
        }
    }

    @Test("the status shows the holder, its epoch, every site and the last cycle")
    func status() async throws {
        try await Self.withRunningWorker { _, database in
            let standby = Heartbeat(database: database, site: SiteDocument(
                name: "site-b", host: "b", pid: 2, instance: "b/2/x", version: "0.4.0", backend: "slurm", capacity: 4,
                supportedVersions: [], heartbeatSeconds: 1))
            try await standby.beat()
            #expect(await poll(within: 20) {
                guard let status = try? await FleetStatus.read(database: database, scope: "processing") else { return false }
                return status.lastCycle != nil && status.sites.first?.state == "holding" && status.sites.count == 2
            })
            let status = try await FleetStatus.read(database: database, scope: "processing")
            #expect(status.lease?.holder?.site == "site-a")
            #expect(status.sites.map(\.document.name) == ["site-a", "site-b"])
            #expect(status.sites.first?.state == "holding")
            #expect((status.leaseAge ?? 99) < 10)
            let table = status.table
            #expect(table.contains("held by site-a"))
            #expect(table.contains("epoch \(status.lease?.epoch ?? 0)"))
            #expect(table.contains("site-b"))
            #expect(status.json["lease"]?["holder"]?["site"] == "site-a")
            #expect(status.json["sites"]?[1]?["backend"] == "slurm")
        }
    }
}

/// Installs the repository's Views/ (the fencing rule among them) into `database`.
func installViews(into database: CouchDatabase) async throws {
    let views = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Views").standardized
    let bootstrapper = try Bootstrapper(documents: DesignDocumentSource.load(from: views))
    try await bootstrapper.apply(try await bootstrapper.plan(client: database.client, databases: [database.name]), client: database.client)
}

/// Polls `condition` every 20 ms until it holds or `seconds` pass; returns whether it held.
func poll(within seconds: Double, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now.advanced(by: .seconds(seconds))
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}
