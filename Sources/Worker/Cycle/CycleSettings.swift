import Processing

/// How one site's holder runs the gasp cycle.
public struct CycleSettings: Sendable, Hashable {
    /// How many passes the site runs at once.
    public var capacity: Int
    /// The software versions the site can run; empty means any.
    public var supportedVersions: [String]
    /// The order waiting passes are claimed in.
    public var queueOrder: QueueOrder
    /// Where pass outputs go: `<outputRoot>/<module>/<run10>/p<pass>/a<attempt>/`, which is also
    /// the batch job's working directory.
    public var outputRoot: String
    /// The most passes claimed in one cycle.
    public var claimBatch: Int
    /// How much of each job's stdout and stderr is attached to its job document.
    public var logTailBytes: Int
    /// Run sensing under the lease (cycle step 1), if configured.
    public var sense: Sense?
    /// Scheduled windows (cycle step 7).
    public var schedules: [Schedule]

    /// What run sensing creates jobs for.
    public struct Sense: Sendable, Hashable {
        /// The software version and input kind of the passes.
        public var version: String
        public var inputKind: String
        /// Sense complete runs from this one on (nil: pending runs only).
        public var startRun: Int?
        /// Also create jobs for runs whose `processing_status` is `pending`.
        public var pending: Bool

        /// A sensing configuration.
        public init(version: String, inputKind: String, startRun: Int?, pending: Bool) {
            self.version = version
            self.inputKind = inputKind
            self.startRun = startRun
            self.pending = pending
        }
    }

    /// A scheduled window and the software version of the module that processes it.
    public struct Schedule: Sendable, Hashable {
        /// The schedule.
        public var window: ScheduledWindow
        /// The module's software version.
        public var version: String

        /// A schedule.
        public init(window: ScheduledWindow, version: String) {
            self.window = window
            self.version = version
        }
    }

    /// Settings with the defaults for anything not given.
    public init(
        capacity: Int, supportedVersions: [String] = [], queueOrder: QueueOrder = .runlevel, outputRoot: String,
        claimBatch: Int = 500, logTailBytes: Int = 8 * 1024, sense: Sense? = nil, schedules: [Schedule] = []
    ) {
        self.capacity = capacity
        self.supportedVersions = supportedVersions
        self.queueOrder = queueOrder
        self.outputRoot = outputRoot
        self.claimBatch = claimBatch
        self.logTailBytes = logTailBytes
        self.sense = sense
        self.schedules = schedules
    }

    /// Whether the site can run `version`.
    public func supports(_ version: String) -> Bool { supportedVersions.isEmpty || supportedVersions.contains(version) }
}
