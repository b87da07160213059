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
        try await withDatabase("gasp_worker") { database, _ in
            try await installViews(into: database)
            let worker = try SiteWorker(
                database: database,
                configuration: SiteWorkerConfiguration(
                    site: "site-a", leaseSeconds: 3, heartbeatInterval: .milliseconds(200), cycleInterval: .milliseconds(100)),
                cycle: FlakyCycle(), logger: Self.logger())
            let group = ServiceGroup(services: worker.services, logger: Self.logger())
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                let record = CycleRecord(database: database, scope: "processing")
                #expect(await poll(within: 20) { (try? await record.read())?["count"]?.intValue ?? 0 >= 1 })
                let lease = try LeaseDocument(json: try await database.get("lease:processing"))
                // Still the first holding: the failures did not hand the lease on.
                #expect(lease.epoch == 1)
                #expect(lease.holder == worker.identity)
                #expect(lease.lastHolders.count == 1)
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        }
    }

    static func logger() -> Logger {
        var logger = Logger(label: "gasp.test.worker")
        logger.logLevel = .warning
        return logger
    }

    @Test("holds the lease, records its cycles, and on graceful shutdown releases the lease and says stopped")
    func holdAndShutDown() async throws {
        try await withDatabase("gasp_worker") { database, _ in
            try await installViews(into: database)
            let worker = try SiteWorker(
                database: database,
                configuration: SiteWorkerConfiguration(
                    site: "site-a", leaseSeconds: 3, heartbeatInterval: .milliseconds(200), cycleInterval: .milliseconds(100)),
                cycle: CountingCycle(), logger: Self.logger())
            let group = ServiceGroup(services: worker.services, logger: Self.logger())
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                let record = CycleRecord(database: database, scope: "processing")
                #expect(await poll(within: 20) { (try? await record.read())?["count"]?.intValue ?? 0 >= 3 })
                let site = try SiteDocument(json: try await database.get("site:site-a"))
                #expect(site.state == .holding)
                #expect(site.lease?.scope == "processing")
                let last = try #require(try await record.read()?["last"])
                #expect(last["site"] == "site-a")
                #expect(last["counts"]?["checked"] == 1)
                #expect(last["epoch"]?.intValue == Int(site.lease?.epoch ?? -1))

                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
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
        try await withDatabase("gasp_worker") { database, _ in
            try await installViews(into: database)
            let worker = try SiteWorker(
                database: database,
                configuration: SiteWorkerConfiguration(
                    site: "site-a", leaseSeconds: 3, heartbeatInterval: .milliseconds(200), cycleInterval: .milliseconds(100)),
                logger: Self.logger())
            let standby = Heartbeat(database: database, site: SiteDocument(
                name: "site-b", host: "b", pid: 2, instance: "b/2/x", version: "0.4.0", backend: "slurm", capacity: 4,
                supportedVersions: [], heartbeatSeconds: 1))
            try await standby.beat()
            let group = ServiceGroup(services: worker.services, logger: Self.logger())
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                #expect(await poll(within: 20) { (try? await FleetStatus.read(database: database, scope: "processing"))?.lastCycle != nil })
                let status = try await FleetStatus.read(database: database, scope: "processing")
                #expect(status.lease?.holder?.site == "site-a")
                #expect(status.sites.map(\.document.name) == ["site-a", "site-b"])
                #expect(status.sites.first?.state == "holding")
                #expect((status.leaseAge ?? 99) < 3)
                let table = status.table
                #expect(table.contains("held by site-a"))
                #expect(table.contains("epoch \(status.lease?.epoch ?? 0)"))
                #expect(table.contains("site-b"))
                #expect(status.json["lease"]?["holder"]?["site"] == "site-a")
                #expect(status.json["sites"]?[1]?["backend"] == "slurm")
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
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
