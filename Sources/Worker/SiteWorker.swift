import CouchDB
import Foundation
import Lease
import Logging
import Processing
import ServiceLifecycle

/// One site's long-running worker: heartbeats its `site:<name>` document, contends for the
/// lease, and runs the gasp cycle whenever it holds it.
///
/// Its parts are two `Service`s (``services``), run together by ``run()`` in a `ServiceGroup`
/// that turns SIGTERM and SIGINT into a graceful shutdown in this order: the guarded cycle
/// stops, then the lease is released, then the heartbeat writes `stopped`, then the process
/// may exit.
///
/// - hold mode: the holder runs a cycle every ``SiteWorkerConfiguration/cycleInterval`` for as
///   long as it keeps the lease; the other sites stand by and take over when it goes quiet.
/// - rotate mode: the holder runs one cycle, keeps the turn for at least the cycle interval,
///   then releases the lease naming the next live site (alphabetical among the sites whose
///   heartbeats this worker sees changing; itself when alone).
public struct SiteWorker: Sendable {
    /// The configuration.
    public let configuration: SiteWorkerConfiguration
    /// The database the fleet works in.
    public let database: CouchDatabase
    /// This process's lease identity.
    public let identity: LeaseHolder
    /// The heartbeat.
    public let heartbeat: Heartbeat
    /// The heartbeat as a service.
    public let heartbeatService: HeartbeatService
    /// The lease elector.
    public let elector: LeaseElector<ContinuousClock>
    let cycle: any GuardedCycle
    let record: CycleRecord
    let logger: Logger

    /// A worker for `configuration.site` in `database`, running `cycle` while it holds the lease.
    public init(
        database: CouchDatabase, configuration: SiteWorkerConfiguration, cycle: any GuardedCycle = IdleCycle(),
        identity: LeaseHolder? = nil, logger: Logger
    ) throws(LeaseError) {
        let identity = identity ?? .thisProcess(site: configuration.site)
        self.configuration = configuration
        self.database = database
        self.identity = identity
        self.cycle = cycle
        self.record = CycleRecord(database: database, scope: configuration.scope)
        var logger = logger
        logger[metadataKey: "site"] = "\(configuration.site)"
        logger[metadataKey: "scope"] = "\(configuration.scope)"
        self.logger = logger
        let parts = identity.instance.split(separator: "/")
        let site = SiteDocument(
            name: configuration.site, host: parts.first.map(String.init) ?? "localhost",
            pid: Int(ProcessInfo.processInfo.processIdentifier), instance: identity.instance,
            version: configuration.version, backend: configuration.backend, capacity: configuration.capacity,
            supportedVersions: configuration.supportedVersions,
            heartbeatSeconds: Double(configuration.heartbeatInterval.components.seconds)
                + Double(configuration.heartbeatInterval.components.attoseconds) / 1e18)
        let heartbeat = Heartbeat(database: database, site: site)
        self.heartbeat = heartbeat
        // In rotate mode the lease changes hands every turn: reading it every twentieth of the
        // lease (at most every half second) keeps a hand-off well under a second.
        let electorConfiguration = configuration.mode == .rotate
            ? LeaseElectorConfiguration(
                leaseSeconds: configuration.leaseSeconds, mode: .rotate, pollFraction: 0.05, maximumPoll: .milliseconds(500))
            : LeaseElectorConfiguration(leaseSeconds: configuration.leaseSeconds, mode: .hold)
        let elector = try LeaseElector(
            client: LeaseClient(database: database, scope: configuration.scope, identity: identity),
            configuration: electorConfiguration)
        self.elector = elector
        self.heartbeatService = HeartbeatService(
            heartbeat: heartbeat, interval: configuration.heartbeatInterval, logger: logger,
            onBeat: { live in elector.setTurnOrder(live) })
    }

    /// The worker's services, in start order: heartbeat first, lease second (so a graceful
    /// shutdown releases the lease before the last heartbeat).
    public var services: [any Service] { [heartbeatService, LeaseWorkService(worker: self)] }

    /// Runs the worker until SIGTERM or SIGINT (then shuts down gracefully) or until the lease
    /// meets a configuration error (401, 403, a missing database), which it throws.
    public func run() async throws {
        let group = ServiceGroup(configuration: .init(
            services: [
                .init(service: heartbeatService),
                .init(service: LeaseWorkService(worker: self), successTerminationBehavior: .gracefullyShutdownGroup,
                      failureTerminationBehavior: .gracefullyShutdownGroup),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
    }

    // MARK: - The guarded work

    /// The work the elector runs while this worker holds the lease.
    func guardedWork(_ term: LeaseTerm) async throws -> LeaseHandOff {
        let clock = ContinuousClock()
        var failures = 0
        while true {
            let started = clock.now
            let startedAt = WallClock.now()
            do {
                let summary = try await cycle.runCycle(term, context: await heartbeat.cycleContext())
                try term.checkHeld()
                try await record.append(summary, term: term, started: startedAt, finished: WallClock.now())
                let counts = summary.counts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
                logger.info("cycle finished", metadata: ["epoch": "\(term.epoch)", "counts": "\(counts.isEmpty ? "nothing to do" : counts)"])
                failures = 0
            } catch let error as LeaseError {
                // Lost, or fenced off by a newer holder: the holding ends here.
                throw error
            } catch let error as CouchError where error.code == .forbidden && (error.reason ?? "").contains("epoch") {
                throw LeaseError(.notHeld, "a newer holder has written: \(error)")
            } catch {
                if Task.isCancelled { throw error }
                // A store outage or a batch-system failure: the lease stays (its renewals tell
                // whether the store is there); the next cycle tries again.
                failures += 1
                logger.warning("cycle failed", metadata: ["epoch": "\(term.epoch)", "error": "\(error)", "failures_in_a_row": "\(failures)"])
            }
            try await clock.sleep(until: started.advanced(by: configuration.cycleInterval), tolerance: nil)
            if configuration.mode == .rotate {
                try term.checkHeld()
                let next = await heartbeat.nextSite()
                return .to(next)
            }
        }
    }

    /// Logs a lease transition and tells the heartbeat what the worker now does.
    func handle(_ transition: LeaseTransition) async {
        transition.log(to: logger)
        switch transition {
        case .acquired(let epoch, _):
            await heartbeat.set(state: .holding, lease: (configuration.scope, epoch))
            heartbeatService.wake()
        case .lost, .released, .workFailed:
            await heartbeat.set(state: .standby, lease: nil)
            heartbeatService.wake()
        default:
            break
        }
    }
}

/// The lease part of a worker as a `Service`: the elector running the guarded cycle, and the
/// transitions it reports logged and passed to the heartbeat. Graceful shutdown stops the
/// cycle and releases the lease before ``run()`` returns.
struct LeaseWorkService: Service {
    let worker: SiteWorker

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await transition in worker.elector.transitions { await worker.handle(transition) }
                }
                try await worker.elector.run { term in try await worker.guardedWork(term) }
                // The transitions stream ends with the run; wait for the last to be handled.
                try await group.waitForAll()
            }
        } onGracefulShutdown: {
            worker.elector.stop()
        }
    }
}
