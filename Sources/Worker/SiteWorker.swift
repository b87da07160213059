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
    /// The holder's cycle and the site's own round pass through it one at a time.
    let gate = SerialGate()

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
        var described = site
        described.deadAfterSeconds = configuration.deadAfterSeconds
        described.cycleSeconds = Double(configuration.cycleInterval.components.seconds)
            + Double(configuration.cycleInterval.components.attoseconds) / 1e18
        let heartbeat = Heartbeat(database: database, site: described)
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
            onBeat: { fleet in
                elector.setTurnOrder(fleet.liveSites)
                // A site that cannot work (draining, disabled, no capacity) leaves the lease to
                // one that can, while there is one.
                elector.setStandingBack(!fleet.acceptsWork && fleet.workingSites.contains { $0 != configuration.site })
            })
    }

    /// The worker's services, in start order: heartbeat first, lease second (so a graceful
    /// shutdown releases the lease before the last heartbeat).
    public var services: [any Service] { [heartbeatService, SiteRoundService(worker: self), LeaseWorkService(worker: self)] }

    /// Runs the worker until SIGTERM or SIGINT (then shuts down gracefully) or until the lease
    /// meets a configuration error (401, 403, a missing database), which it throws.
    public func run() async throws {
        let group = ServiceGroup(configuration: .init(
            services: [
                .init(service: heartbeatService),
                .init(service: SiteRoundService(worker: self)),
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
                try await gate.run {
                    let summary = try await cycle.runCycle(term, context: await heartbeat.cycleContext())
                    try term.checkHeld()
                    await heartbeat.recordMonitored()
                    try await record.append(summary, term: term, started: startedAt, finished: WallClock.now())
                    let counts = summary.counts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
                    logger.info("cycle finished", metadata: ["epoch": "\(term.epoch)", "counts": "\(counts.isEmpty ? "nothing to do" : counts)"])
                }
                failures = 0
            } catch let error as LeaseError {
                // Lost, or fenced off by a newer holder: the holding ends here.
                throw error
            } catch let refusal as FencedWriteRefused {
                await fenced(refusal)
                throw LeaseError(.notHeld, "a newer holder has written: \(refusal)")
            } catch let error as CouchError where FencedWriteRefused.isFencing(error) {
                await fenced(FencedWriteRefused(documentID: record.documentID, epoch: term.epoch, reason: error.reason ?? "\(error)"))
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
            // A holder that cannot work hands the lease to a site that can.
            if !(await heartbeat.acceptsWork), let next = await heartbeat.workingSites().first(where: { $0 != configuration.site }) {
                try term.checkHeld()
                let own = await heartbeat.site
                let why = own.capacity == 0 ? "capacity 0" : !own.enabled ? "disabled" : "draining"
                logger.notice("handing the lease to a site that can work", metadata: [
                    "epoch": "\(term.epoch)", "next": "\(next)", "why": "\(why)",
                ])
                elector.setStandingBack(true)
                return .to(next)
            }
        }
    }

    /// Logs and counts a write the fencing rule refused: this worker acted after a newer holder.
    func fenced(_ refusal: FencedWriteRefused) async {
        logger.error("write refused by the fencing rule", metadata: [
            "document": "\(refusal.documentID)", "epoch": "\(refusal.epoch.map(String.init) ?? "kept")", "reason": "\(refusal.reason)",
        ])
        await heartbeat.recordFencedWrite(refusal)
        heartbeatService.wake()
    }

    /// The site's own round while this worker does not hold the lease: its passes followed
    /// through its batch system, work abandoned while it was away cleaned up.
    func siteRound() async {
        guard !elector.state.isHolding else { return }
        do {
            try await gate.run {
                // The lease may have been taken while waiting at the gate: the holder's cycle
                // covers this site then.
                guard !elector.state.isHolding else { return }
                let summary = try await cycle.runSiteCycle(context: await heartbeat.cycleContext())
                await heartbeat.recordMonitored()
                if !summary.counts.isEmpty {
                    let counts = summary.counts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
                    logger.info("site round finished", metadata: ["counts": "\(counts)"])
                }
            }
        } catch let refusal as FencedWriteRefused {
            await fenced(refusal)
        } catch {
            if Task.isCancelled { return }
            logger.warning("site round failed", metadata: ["error": "\(error)"])
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

/// The site's own round as a `Service`: every cycle interval, while the worker does not hold
/// the lease, it follows the site's passes through the site's batch system, so that a pass
/// never waits for its site to hold the lease again (a standby, a site that just restarted,
/// a holder that lost the lease). Stops at graceful shutdown.
struct SiteRoundService: Service {
    let worker: SiteWorker

    func run() async throws {
        let doorbell = Doorbell()
        await withGracefulShutdownHandler {
            while !doorbell.isClosed && !Task.isCancelled {
                await worker.siteRound()
                await doorbell.wait(for: worker.configuration.cycleInterval)
            }
        } onGracefulShutdown: {
            doorbell.close()
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
