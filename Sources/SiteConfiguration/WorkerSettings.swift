/// The `worker:` section of a site configuration: how this site's `gasp worker` contends for
/// the lease and what it tells the fleet about itself.
public struct WorkerSettings: Sendable, Equatable {
    /// How the lease passes between sites.
    public enum LeaseMode: String, Sendable, Equatable, CaseIterable {
        /// The holder keeps the lease while healthy; the other sites stand by.
        case hold
        /// The holder releases after each cycle, naming the next live site.
        case rotate
    }

    /// The lease scope: the document `lease:<scope>`.
    public var leaseScope: String
    /// How long the lease lasts without renewal, written into the lease document.
    public var leaseSeconds: Double
    /// Hold or rotate.
    public var mode: LeaseMode
    /// How often the worker rewrites its `site:<name>` document.
    public var heartbeatSeconds: Double
    /// How long the holder waits between cycles (hold), or the least time a turn lasts (rotate).
    public var cycleSeconds: Double
    /// How long this site may go without a heartbeat before the fleet resets its passes and
    /// runs them elsewhere (`dead_after_seconds`, default 300): its batch jobs may still run,
    /// so minutes, well beyond a restart or a short network cut.
    public var deadAfterSeconds: Double = 300
    /// How many passes the site runs at once.
    public var capacity: Int
    /// The batch backend kind (`local`, `slurm`, `condor`, `pbs`, `sge`, `lsf`).
    public var backend: String
    /// The backend's further settings, as written.
    public var backendSettings: [String: String]
    /// The software versions this site can run.
    public var supportedVersions: [String]
    /// Where pass outputs (and the batch jobs' working directories) go; without it the worker
    /// runs no processing, only the lease and heartbeats.
    public var outputRoot: String?
    /// The order waiting passes are claimed in: `runlevel`, `newfirst`, `priority` or `serial`.
    public var queueOrder: String
    /// Run sensing under the lease, if configured.
    public var sense: Sense?
    /// Scheduled windows, if configured.
    public var schedules: [Schedule] = []

    /// Settings with the defaults for anything not given.
    public init(
        leaseScope: String = "processing", leaseSeconds: Double = 15, mode: LeaseMode = .hold,
        heartbeatSeconds: Double = 5, cycleSeconds: Double = 30, capacity: Int = 1, backend: String = "local",
        backendSettings: [String: String] = [:], supportedVersions: [String] = [], outputRoot: String? = nil,
        queueOrder: String = "runlevel", sense: Sense? = nil
    ) {
        self.leaseScope = leaseScope
        self.leaseSeconds = leaseSeconds
        self.mode = mode
        self.heartbeatSeconds = heartbeatSeconds
        self.cycleSeconds = cycleSeconds
        self.capacity = capacity
        self.backend = backend
        self.backendSettings = backendSettings
        self.supportedVersions = supportedVersions
        self.outputRoot = outputRoot
        self.queueOrder = queueOrder
        self.sense = sense
    }
}

extension WorkerSettings {
    static let backendKinds: Set<String> = ["local", "slurm", "condor", "pbs", "sge", "lsf", "template"]
    static let queueOrders: Set<String> = ["runlevel", "newfirst", "priority", "serial"]

    /// Reads and validates the `worker:` mapping.
    static func read(_ reader: YAMLReader) throws(ConfigurationError) -> WorkerSettings {
        try reader.rejectUnknownKeys([
            "lease", "heartbeat_seconds", "cycle_seconds", "capacity", "backend", "supported_versions", "output_root", "queue_order",
            "sense", "schedules", "dead_after_seconds",
        ])
        var settings = WorkerSettings()
        if let lease = try reader.child("lease") {
            try lease.rejectUnknownKeys(["scope", "seconds", "mode"])
            if let scope = try lease.string("scope") {
                guard !scope.isEmpty, scope.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }) else {
                    throw (try lease.child("scope") ?? lease).error(.invalidValue, "a scope is letters, digits, '-', '_' or '.', not \(scope)")
                }
                settings.leaseScope = scope
            }
            if let seconds = try lease.double("seconds") {
                guard seconds >= 1, seconds <= 3600 else {
                    throw (try lease.child("seconds") ?? lease).error(.invalidValue, "lease seconds must be between 1 and 3600, not \(seconds)")
                }
                settings.leaseSeconds = seconds
            }
            if let mode = try lease.string("mode") {
                guard let parsed = LeaseMode(rawValue: mode) else {
                    throw (try lease.child("mode") ?? lease).error(.invalidValue, "mode must be hold or rotate, not \(mode)")
                }
                settings.mode = parsed
            }
        }
        if let seconds = try reader.double("heartbeat_seconds") {
            guard seconds > 0, seconds <= 600 else {
                throw (try reader.child("heartbeat_seconds") ?? reader).error(.invalidValue, "must be above 0 and at most 600, not \(seconds)")
            }
            settings.heartbeatSeconds = seconds
        }
        if let seconds = try reader.double("cycle_seconds") {
            guard seconds >= 0, seconds <= 86_400 else {
                throw (try reader.child("cycle_seconds") ?? reader).error(.invalidValue, "must be between 0 and 86400, not \(seconds)")
            }
            settings.cycleSeconds = seconds
        }
        if let seconds = try reader.double("dead_after_seconds") {
            let least = max(3 * settings.heartbeatSeconds, settings.leaseSeconds)
            guard seconds.isFinite, seconds >= least, seconds <= 7 * 86_400 else {
                throw (try reader.child("dead_after_seconds") ?? reader).error(
                    .invalidValue, "must be at least three heartbeats and the lease (\(least) s) and at most a week, not \(seconds)")
            }
            settings.deadAfterSeconds = seconds
        } else {
            settings.deadAfterSeconds = max(300, 3 * settings.heartbeatSeconds, settings.leaseSeconds)
        }
        if let capacity = try reader.int("capacity") {
            guard capacity >= 0 else { throw (try reader.child("capacity") ?? reader).error(.invalidValue, "must not be negative") }
            settings.capacity = capacity
        }
        if let backend = try reader.child("backend") {
            var kindNode = backend
            if case .scalar(let scalar) = backend.node {
                settings.backend = scalar.string
            } else {
                settings.backend = try backend.requiredString("kind")
                settings.backendSettings = try backend.scalarMembers(except: ["kind"])
                kindNode = try backend.child("kind") ?? backend
            }
            guard backendKinds.contains(settings.backend) else {
                throw kindNode.error(
                    .invalidValue, "unknown backend \(settings.backend) (known: \(backendKinds.sorted().joined(separator: ", ")))")
            }
        }
        settings.supportedVersions = try reader.strings("supported_versions") ?? []
        if let root = try reader.string("output_root") {
            guard root.hasPrefix("/") else {
                throw (try reader.child("output_root") ?? reader).error(.invalidValue, "must be an absolute path, not \(root)")
            }
            settings.outputRoot = root
        }
        if let order = try reader.string("queue_order") {
            guard queueOrders.contains(order) else {
                throw (try reader.child("queue_order") ?? reader).error(
                    .invalidValue, "unknown queue order \(order) (known: \(queueOrders.sorted().joined(separator: ", ")))")
            }
            settings.queueOrder = order
        }
        if let sense = try reader.child("sense") { settings.sense = try readSense(sense) }
        for item in try reader.sequence("schedules") ?? [] { settings.schedules.append(try readSchedule(item)) }
        let names = settings.schedules.map(\.name)
        if Set(names).count != names.count {
            throw (try reader.child("schedules") ?? reader).error(.invalidValue, "two schedules share a name")
        }
        return settings
    }
}
