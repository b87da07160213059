import ArgumentParser
import Backends
import CouchDB
import Foundation
import Lease
import Logging
import Processing
import SiteConfiguration
import Worker

/// `gasp worker --config site.yaml`: one site's long-running worker. `gasp worker` runs it as the
/// `gasp-worker` executable, which links nothing of the embedded store, the view engine or the
/// benchmarks, so an idle worker stays small.
public struct WorkerCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run this site's worker: heartbeat, contend for the lease, run the cycle while holding it.",
        discussion: """
            Reads the site configuration (--config; `site`, `couchdb` and `worker` sections, see Ops/examples/). Every worker heartbeats its site:<name> document, holder or not. SIGTERM or SIGINT stops the cycle, releases the lease, writes a last heartbeat and exits 0. A configuration error (rejected credentials, a missing database, no fencing rule installed) exits 1 with the reason.
            """
    )

    @Option(help: "The site configuration file (YAML).")
    var config: String

    @Option(help: "Log line format: json or text (default: text on a terminal, json otherwise).")
    var logFormat: LogFormat?

    @Option(help: "Least log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    public init() {}

    public func run() async throws {
        LogLineHandler.bootstrap(format: logFormat, level: logLevel)
        let site = try SiteConfiguration.load(path: config)
        guard let name = site.site, !name.isEmpty else {
            throw ValidationError("\(config): site: required for a worker (the name of its site:<name> document)")
        }
        let settings = site.worker
        let timeout = Duration.milliseconds(Int((min(10, max(1, settings.leaseSeconds / 3)) * 1000).rounded()))
        let client = try site.makeClient(file: config)
            .withRequestTimeout(timeout)
            .withRetryPolicy(RetryPolicy(maxAttempts: 2, initialDelay: .milliseconds(50), maxDelay: .milliseconds(200)))
        let database = client.database(site.couchdb.database)
        let logger = Logger(label: "gasp.worker")
        do {
            try await Self.waitForStore(database, logger: logger)
            let cycle = try Self.cycle(settings, site: name, database: database, logger: logger)
            let worker = try SiteWorker(
                database: database,
                configuration: SiteWorkerConfiguration(
                    site: name, scope: settings.leaseScope, leaseSeconds: settings.leaseSeconds,
                    mode: settings.mode == .rotate ? .rotate : .hold,
                    heartbeatInterval: .milliseconds(Int((settings.heartbeatSeconds * 1000).rounded())),
                    cycleInterval: .milliseconds(Int((settings.cycleSeconds * 1000).rounded())),
                    capacity: settings.capacity, backend: settings.backend, supportedVersions: settings.supportedVersions,
                    deadAfterSeconds: settings.deadAfterSeconds),
                cycle: cycle, logger: logger)
            logger.info("worker starting", metadata: [
                "site": "\(name)", "instance": "\(worker.identity.instance)", "scope": "\(settings.leaseScope)",
                "mode": "\(settings.mode.rawValue)", "lease_seconds": "\(settings.leaseSeconds)",
                "database": "\(site.couchdb.database)",
            ])
            try await worker.run()
            logger.info("worker stopped", metadata: ["site": "\(name)"])
        } catch {
            try? await client.shutdown()
            throw ExitMessage("gasp worker: \(error)")
        }
        try await client.shutdown()
    }

    /// The gasp cycle over the site's batch system, or an idle one without `output_root`.
    static func cycle(_ settings: WorkerSettings, site: String, database: CouchDatabase, logger: Logger) throws -> any GuardedCycle {
        guard let root = settings.outputRoot else {
            logger.notice("no worker.output_root: this worker holds the lease and heartbeats, but processes nothing")
            return IdleCycle()
        }
        var backendSettings: [String: BackendSetting] = [:]
        for (key, text) in settings.backendSettings {
            if let number = Int(text) {
                backendSettings[key] = .integer(number)
            } else if text == "true" || text == "false" {
                backendSettings[key] = .bool(text == "true")
            } else {
                backendSettings[key] = .string(text)
            }
        }
        if settings.backend == "local", backendSettings["state_directory"] == nil {
            backendSettings["state_directory"] = .string(root + "/.gasp-local-jobs/" + site)
        }
        let backend: any BatchBackend
        do {
            backend = try BackendConfiguration(kind: settings.backend, settings: backendSettings).makeBackend()
        } catch {
            throw ExitMessage("worker.backend: \(error)")
        }
        let sense = settings.sense.map {
            CycleSettings.Sense(version: $0.version, inputKind: $0.inputKind, startRun: $0.startRun, pending: $0.pending)
        }
        let schedules = try settings.schedules.map { schedule in
            CycleSettings.Schedule(
                window: try ScheduledWindow(
                    name: schedule.name, cron: schedule.cron, length: schedule.length, module: schedule.module,
                    outputDirectory: schedule.outputDirectory, draftDirectory: root),
                version: schedule.version)
        }
        return ProcessingCycle(
            database: database, backend: backend,
            settings: CycleSettings(
                capacity: settings.capacity, supportedVersions: settings.supportedVersions,
                queueOrder: QueueOrder(rawValue: settings.queueOrder) ?? .runlevel, outputRoot: root,
                sense: sense, schedules: schedules),
            logger: logger)
    }

    /// Waits until the store answers (a worker started while CouchDB is down or restarting
    /// waits for it, as it would ride out an outage later), then checks the database.
    static func waitForStore(_ database: CouchDatabase, logger: Logger) async throws {
        var failures = 0
        while true {
            do {
                try await checkFencing(database)
                if failures > 0 { logger.notice("store reachable", metadata: ["after_failures": "\(failures)"]) }
                return
            } catch let error as CouchError where error.isTransient {
                failures += 1
                if failures == 1 || failures % 30 == 0 {
                    logger.warning("store unreachable, waiting for it", metadata: ["error": "\(error)", "failures": "\(failures)"])
                }
                try await Task.sleep(for: .milliseconds(min(2000, 100 << min(failures, 5))))
            }
        }
    }

    /// Refuses to work in a database without the fencing rule: without it a replaced holder's
    /// writes would land.
    static func checkFencing(_ database: CouchDatabase) async throws {
        guard try await database.exists() else {
            throw ExitMessage("database \(database.name) does not exist: run `gasp bootstrap --config FILE` first")
        }
        guard try await database.designDocument("gasp")?["validate_doc_update"] != nil else {
            throw ExitMessage("database \(database.name) has no _design/gasp validate_doc_update (the fencing rule): run `gasp bootstrap --config FILE` first")
        }
    }
}
