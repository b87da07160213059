/// What a job left behind: the ends of its output files and how it ended.
public struct BackendJobOutputs: Sendable, Hashable {
    /// The last bytes of standard output (at most the tail size asked for), as UTF-8 with
    /// invalid sequences replaced. Empty when the file is missing.
    public var standardOutputTail: String
    /// The last bytes of standard error.
    public var standardErrorTail: String
    /// Where standard output was read from, when known.
    public var standardOutputPath: String?
    /// Where standard error was read from, when known.
    public var standardErrorPath: String?
    /// The exit code, when the job has finished and the backend knows it.
    public var exitCode: Int32?
    /// CPU seconds used (user + system), when the backend measures them.
    public var cpuSeconds: Double?

    public init(
        standardOutputTail: String = "", standardErrorTail: String = "",
        standardOutputPath: String? = nil, standardErrorPath: String? = nil,
        exitCode: Int32? = nil, cpuSeconds: Double? = nil
    ) {
        self.standardOutputTail = standardOutputTail
        self.standardErrorTail = standardErrorTail
        self.standardOutputPath = standardOutputPath
        self.standardErrorPath = standardErrorPath
        self.exitCode = exitCode
        self.cpuSeconds = cpuSeconds
    }
}

/// Where a job's output files are, as the submitter asked for them.
///
/// Batch systems forget finished jobs; the caller, who chose the paths, can pass them to
/// ``BatchBackend/outputs(of:files:tailBytes:)`` instead of relying on the batch system.
public struct BackendOutputFiles: Sendable, Hashable, Codable {
    public var standardOutputPath: String
    public var standardErrorPath: String

    public init(standardOutputPath: String, standardErrorPath: String) {
        self.standardOutputPath = standardOutputPath
        self.standardErrorPath = standardErrorPath
    }

    /// The paths a request asked for.
    public init(_ request: BackendJobRequest) {
        self.init(standardOutputPath: request.standardOutputPath, standardErrorPath: request.standardErrorPath)
    }
}
