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

    /// Settings with the defaults for anything not given.
    public init(
        capacity: Int, supportedVersions: [String] = [], queueOrder: QueueOrder = .runlevel, outputRoot: String,
        claimBatch: Int = 500, logTailBytes: Int = 8 * 1024
    ) {
        self.capacity = capacity
        self.supportedVersions = supportedVersions
        self.queueOrder = queueOrder
        self.outputRoot = outputRoot
        self.claimBatch = claimBatch
        self.logTailBytes = logTailBytes
    }

    /// Whether the site can run `version`.
    public func supports(_ version: String) -> Bool { supportedVersions.isEmpty || supportedVersions.contains(version) }
}
