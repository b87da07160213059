import Lease
import Processing

/// What one site's worker needs to know: who it is, how it contends for the lease, and what it
/// tells the fleet about itself in its heartbeat.
public struct SiteWorkerConfiguration: Sendable, Hashable {
    /// The site name (`site:<name>`).
    public var site: String
    /// The lease scope (`lease:<scope>`).
    public var scope: String
    /// The lease seconds written on acquisition.
    public var leaseSeconds: Double
    /// Hold or rotate.
    public var mode: LeaseMode
    /// Time between heartbeats.
    public var heartbeatInterval: Duration
    /// Time from the start of one cycle to the start of the next (hold mode), or the least
    /// time a turn lasts (rotate mode).
    public var cycleInterval: Duration
    /// How many passes the site runs at once.
    public var capacity: Int
    /// The batch backend kind.
    public var backend: String
    /// The software versions the site can run.
    public var supportedVersions: [String]
    /// The gasp version the worker runs.
    public var version: String
    /// How long this site may go without a heartbeat before the fleet resets its passes (its
    /// batch jobs may still be running: minutes by default, far more than a restart takes).
    public var deadAfterSeconds: Double

    /// A configuration; the defaults suit a site with one local slot.
    public init(
        site: String, scope: String = "processing", leaseSeconds: Double = 15, mode: LeaseMode = .hold,
        heartbeatInterval: Duration = .seconds(5), cycleInterval: Duration = .seconds(30), capacity: Int = 1,
        backend: String = "local", supportedVersions: [String] = [], version: String = GaspVersion.current,
        deadAfterSeconds: Double = SiteDocument.defaultDeadAfterSeconds
    ) {
        self.site = site
        self.scope = scope
        self.leaseSeconds = leaseSeconds
        self.mode = mode
        self.heartbeatInterval = heartbeatInterval
        self.cycleInterval = cycleInterval
        self.capacity = capacity
        self.backend = backend
        self.supportedVersions = supportedVersions
        self.version = version
        self.deadAfterSeconds = deadAfterSeconds
    }
}

/// The version of gasp, as workers report it in their heartbeat.
public enum GaspVersion {
    /// This build's version.
    public static let current = "0.4.0"
}
