import Synchronization

/// Contends for the lease, holds it, and runs guarded work while it holds it: the loop a
/// worker runs.
///
/// ```swift
/// let elector = try LeaseElector(client: LeaseClient(database: db, scope: "processing",
///                                                    identity: .thisProcess(site: "site-a")),
///                                configuration: .init(leaseSeconds: 15, mode: .hold))
/// try await elector.run { term in
///     while true { try await cycle(epoch: term.epoch); try await Task.sleep(for: .seconds(30)) }
/// }
/// ```
///
/// - While someone else holds the lease it reads the document every tenth of the lease and
///   acquires it once free, expired (judged by ``LeaseObserver``) or released to this site.
/// - While holding it renews every lease/3 and runs `work` in a child task. The work is
///   cancelled the moment the holding ends: a renewal refused, another holder seen, or the
///   renew deadline reached without a successful renewal (before any observer can judge the
///   lease expired). It receives a ``LeaseTerm`` with the epoch every write must carry.
/// - When the work returns, the lease is released naming the ``LeaseHandOff``'s next site
///   (rotate mode), and contention starts again. When it throws, the lease is released to
///   anyone and this instance waits a little (longer each time) before contending again.
/// - ``stop()`` (graceful shutdown) cancels the work, waits until it has stopped, then
///   releases the lease, and ``run(_:)`` returns. Cancelling the task that runs ``run(_:)``
///   stops everything without releasing (the lease then expires).
/// - Store failures are retried with backoff; a configuration error (401, 403, missing
///   database) ends ``run(_:)`` with that error instead.
///
/// Every transition is published on ``transitions`` for logging.
public final class LeaseElector<C: Clock>: Sendable where C.Duration == Duration {
    /// Guarded work: runs while the lease is held, returns how to hand the lease on.
    public typealias Work = @Sendable (LeaseTerm) async throws -> LeaseHandOff

    /// Reads and writes the lease document.
    public let client: LeaseClient
    /// Timing and mode.
    public let configuration: LeaseElectorConfiguration
    /// The monotonic clock every deadline is measured on.
    public let clock: C
    /// Every transition (acquired, renewed, lost, released, holder observed…), in order; ends
    /// when ``run(_:)`` returns. Keeps the newest 256 if nobody reads it.
    public let transitions: AsyncStream<LeaseTransition>

    let continuation: AsyncStream<LeaseTransition>.Continuation
    let stopSignal = StopSignal()
    let observer: Mutex<LeaseObserver<C.Instant>>
    let standingBackFlag = Mutex(false)

    /// An elector for `client`'s lease, timed by `clock`.
    public init(client: LeaseClient, configuration: LeaseElectorConfiguration, clock: C) throws(LeaseError) {
        try configuration.validate()
        self.client = client
        self.configuration = configuration
        self.clock = clock
        self.observer = Mutex(LeaseObserver(identity: client.identity, policy: configuration.policy))
        (transitions, continuation) = AsyncStream.makeStream(of: LeaseTransition.self, bufferingPolicy: .bufferingNewest(256))
    }

    /// Where this instance stands on the lease now.
    public var state: LeaseState<C.Instant> { observer.withLock { $0.state } }

    /// The lease document as this instance last read or wrote it.
    public var document: LeaseDocument? { observer.withLock { $0.document } }

    /// Sets the rotate-mode turn order (e.g. the live sites by name, from their heartbeats):
    /// when the named site misses its turn, the site after it goes first (see
    /// ``LeaseObserver/turnOrder``). Takes effect at the next read of the document.
    public func setTurnOrder(_ sites: [String]) {
        observer.withLock { $0.turnOrder = sites }
    }

    /// Makes this instance stand back (true) or contend again (false). Standing back, it
    /// watches the lease but does not acquire it, e.g. while its site is draining and another
    /// site can work. Takes effect at the next read of the document.
    public func setStandingBack(_ standingBack: Bool) {
        standingBackFlag.withLock { $0 = standingBack }
    }

    /// Whether this instance stands back from acquiring (see ``setStandingBack(_:)``).
    public var isStandingBack: Bool { standingBackFlag.withLock { $0 } }

    /// Asks ``run(_:)`` to stop gracefully: the guarded work is cancelled, and once it has
    /// stopped the lease is released; then ``run(_:)`` returns.
    public func stop() { stopSignal.fire() }

    /// Contends for the lease and runs `work` whenever it is held, until ``stop()`` or until the
    /// calling task is cancelled. Throws only configuration errors (see
    /// ``LeaseError/isConfigurationError``).
    public func run(_ work: @escaping Work) async throws(LeaseError) {
        defer { continuation.finish() }
        var failures = 0
        var workFailures = 0
        while !stopSignal.isFired && !Task.isCancelled {
            let read: LeaseDocument?
            do {
                guard let answer = try await observeUnlessStopped() else { break }
                read = answer.document
            } catch {
                try await storeFailed(error, failures: &failures)
                continue
            }
            storeAnswered(failures: &failures)
            update { $0.observe(read, at: clock.now) }

            guard observer.withLock({ $0.mayAcquire }), !isStandingBack else {
                let now = clock.now
                let lease = read?.leaseDuration ?? .seconds(configuration.leaseSeconds)
                var wake = now.advanced(by: configuration.pollInterval(for: lease))
                if let deadline = observer.withLock({ $0.nextDeadline }), deadline < wake { wake = deadline }
                await pause(until: wake)
                continue
            }

            let sentAt = clock.now
            let outcome: LeaseAcquisition
            do {
                outcome = try await client.acquire(
                    over: read, leaseSeconds: configuration.leaseSeconds, mode: configuration.mode)
            } catch {
                // The write may or may not have landed: the next read tells.
                try await storeFailed(error, failures: &failures)
                continue
            }
            switch outcome {
            case .lostRace:
                update { $0.acquireFailed(epoch: (read?.epoch ?? 0) + 1) }
            case .won(let written):
                update { $0.acquired(written, sentAt: sentAt, at: clock.now) }
                if try await hold(written, work: work) {
                    // The work failed and the lease went back to anyone: give the other sites
                    // a chance before contending again, backing off if it keeps failing.
                    workFailures += 1
                    await pause(until: clock.now.advanced(by: configuration.retryDelay(afterFailures: workFailures + 3)))
                } else {
                    workFailures = 0
                }
            }
        }
    }

    // MARK: - Helpers

    /// Applies `change` to the observer and publishes the transitions it reports.
    func update(_ change: (inout LeaseObserver<C.Instant>) -> [LeaseTransition]) {
        let transitions = observer.withLock { change(&$0) }
        for transition in transitions { continuation.yield(transition) }
    }

    /// Handles a failed store request outside a holding: rethrows configuration errors,
    /// reports the first failure of a streak, and waits before the next try.
    func storeFailed(_ error: LeaseError, failures: inout Int) async throws(LeaseError) {
        if error.isConfigurationError { throw error }
        if error.code == .cancelled || Task.isCancelled { return }
        failures += 1
        if failures == 1 { continuation.yield(.storeUnavailable(error)) }
        await pause(until: clock.now.advanced(by: configuration.retryDelay(afterFailures: failures)))
    }

    /// Notes a successful request after failures.
    func storeAnswered(failures: inout Int) {
        if failures > 0 { continuation.yield(.storeAvailable) }
        failures = 0
    }

    /// Reads the lease document, giving up if ``stop()`` comes first (nothing is held, so a
    /// read hanging on an unreachable store must not delay the shutdown). Nil when stopped.
    func observeUnlessStopped() async throws(LeaseError) -> LeaseRead? {
        let result = await withTaskGroup(of: Result<LeaseRead, LeaseError>?.self) { group in
            group.addTask { [client] in
                do throws(LeaseError) {
                    return .success(LeaseRead(document: try await client.observe()))
                } catch {
                    return .failure(error)
                }
            }
            group.addTask { [stopSignal] in
                await stopSignal.wait()
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        return try result?.get()
    }

    /// Sleeps until `deadline`, or less if stopped or cancelled.
    func pause(until deadline: C.Instant) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [clock] in try? await clock.sleep(until: deadline, tolerance: nil) }
            group.addTask { [stopSignal] in await stopSignal.wait() }
            await group.next()
            group.cancelAll()
        }
    }
}

/// One read of the lease document (nil: there is none).
struct LeaseRead: Sendable {
    let document: LeaseDocument?
}

extension LeaseElector where C == ContinuousClock {
    /// An elector timed by the system's monotonic clock.
    public convenience init(client: LeaseClient, configuration: LeaseElectorConfiguration) throws(LeaseError) {
        try self.init(client: client, configuration: configuration, clock: ContinuousClock())
    }
}
