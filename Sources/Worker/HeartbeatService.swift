import CouchDB
import Logging
import ServiceLifecycle

/// Runs a ``Heartbeat`` every interval as a `Service`: beats at once when woken (a state
/// change), keeps beating through store outages (reporting the first failure of a streak and
/// the recovery), and on graceful shutdown writes the site's last state (`stopped`).
///
/// Put it before the lease service in a `ServiceGroup`: the group shuts services down in
/// reverse order, so the lease is released before the heartbeat says `stopped`.
public struct HeartbeatService: Service {
    /// The heartbeat.
    public let heartbeat: Heartbeat
    /// The time between beats.
    public let interval: Duration
    /// Called after each successful beat with what it read of the fleet.
    public let onBeat: @Sendable (FleetView) -> Void

    /// What one beat read of the fleet.
    public struct FleetView: Sendable, Hashable {
        /// The live, enabled sites by name (the rotate-mode turn order).
        public var liveSites: [String]
        /// The live sites that can take work, this one included when it can.
        public var workingSites: [String]
        /// Whether this site can take work (enabled, not draining, with capacity).
        public var acceptsWork: Bool
    }
    let logger: Logger
    let doorbell = Doorbell()

    /// A service beating `heartbeat` every `interval`.
    public init(heartbeat: Heartbeat, interval: Duration, logger: Logger, onBeat: @escaping @Sendable (FleetView) -> Void = { _ in }) {
        self.heartbeat = heartbeat
        self.interval = interval
        self.logger = logger
        self.onBeat = onBeat
    }

    /// Asks for a beat now (after a state change), without waiting for it.
    public func wake() { doorbell.ring() }

    public func run() async throws {
        var failures = 0
        var reportedOther: String?
        await withGracefulShutdownHandler {
            while !doorbell.isClosed && !Task.isCancelled {
                do {
                    try await heartbeat.beat()
                    if failures > 0 { logger.notice("heartbeat written again", metadata: ["after_failures": "\(failures)"]) }
                    failures = 0
                    onBeat(FleetView(
                        liveSites: await heartbeat.liveSites(), workingSites: await heartbeat.workingSites(),
                        acceptsWork: await heartbeat.acceptsWork))
                    if let other = await heartbeat.otherInstance, reportedOther != other {
                        reportedOther = other
                        logger.error("another worker runs under this site's name", metadata: ["other_instance": "\(other)"])
                    }
                } catch {
                    failures += 1
                    if failures == 1 || failures % 60 == 0 {
                        logger.warning("heartbeat failed", metadata: ["error": "\(error)", "failures": "\(failures)"])
                    }
                }
                await doorbell.wait(for: interval)
            }
        } onGracefulShutdown: {
            doorbell.close()
        }
        // The last word: the lease (shut down before us) is released, the worker is leaving.
        await heartbeat.set(state: .stopped, lease: nil)
        do {
            try await heartbeat.write()
        } catch {
            logger.warning("could not write the final heartbeat", metadata: ["error": "\(error)"])
        }
    }
}
