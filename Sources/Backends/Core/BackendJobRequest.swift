import Foundation

/// What a job needs from the batch system: cores, memory and a wall-time limit.
///
/// `nil` leaves the choice to the batch system's defaults.
public struct BackendResources: Sendable, Hashable, Codable {
    /// Cores (Slurm `--cpus-per-task`, HTCondor `request_cpus`).
    public var cores: Int?
    /// Memory in MB (Slurm `--mem`, HTCondor `request_memory`).
    public var memoryMB: Int?
    /// Wall-time limit in seconds. Slurm rounds it up to whole minutes (its minimum is one).
    public var wallTimeSeconds: Int?

    public init(cores: Int? = nil, memoryMB: Int? = nil, wallTimeSeconds: Int? = nil) {
        self.cores = cores
        self.memoryMB = memoryMB
        self.wallTimeSeconds = wallTimeSeconds
    }
}

/// One job to submit.
///
/// The `name` is how a crashed submitter finds its job again (``BatchBackend/find(named:)``), so
/// the caller puts the identity of the work and its attempt in it, e.g.
/// `gasp.job-Processing-0000012345.p1.a2.s003`. Names should be unique per attempt and made of
/// letters, digits and `._-:` (every batch system accepts those).
public struct BackendJobRequest: Sendable, Hashable, Codable {
    /// The job's name in the batch system.
    public var name: String
    /// The shell text to run (`/bin/sh` unless it starts with its own `#!` line).
    public var script: String
    /// The directory the script starts in.
    public var workingDirectory: String
    /// Where the script's standard output goes (an absolute path is safest).
    public var standardOutputPath: String
    /// Where the script's standard error goes.
    public var standardErrorPath: String
    /// Cores, memory and wall time.
    public var resources: BackendResources
    /// Variables set for the script, on top of what the batch system passes on.
    public var environment: [String: String]

    public init(
        name: String, script: String, workingDirectory: String,
        standardOutputPath: String, standardErrorPath: String,
        resources: BackendResources = BackendResources(), environment: [String: String] = [:]
    ) {
        self.name = name
        self.script = script
        self.workingDirectory = workingDirectory
        self.standardOutputPath = standardOutputPath
        self.standardErrorPath = standardErrorPath
        self.resources = resources
        self.environment = environment
    }

    /// Checks what every backend relies on: a non-empty name without whitespace, quotes or
    /// commas (Slurm's `--name` takes a comma list), a script, and a working directory.
    public func validate() throws(BackendError) {
        if name.isEmpty {
            throw BackendError(.invalidRequest, "a job needs a name")
        }
        if name.contains(where: { $0.isWhitespace || $0 == "," || $0 == "\"" || $0 == "'" || $0 == "\\" }) {
            throw BackendError(.invalidRequest, "job name \"\(name)\" contains whitespace, a quote, a backslash or a comma")
        }
        if script.isEmpty {
            throw BackendError(.invalidRequest, "job \(name) has an empty script")
        }
        if workingDirectory.isEmpty {
            throw BackendError(.invalidRequest, "job \(name) has no working directory")
        }
        for key in environment.keys where !ShellQuoting.isVariableName(key) {
            throw BackendError(.invalidRequest, "job \(name): \"\(key)\" is not a valid environment variable name")
        }
        if let cores = resources.cores, cores < 1 {
            throw BackendError(.invalidRequest, "job \(name): cores must be at least 1, not \(cores)")
        }
        if let memory = resources.memoryMB, memory < 1 {
            throw BackendError(.invalidRequest, "job \(name): memory must be at least 1 MB, not \(memory)")
        }
        if let wall = resources.wallTimeSeconds, wall < 1 {
            throw BackendError(.invalidRequest, "job \(name): wall time must be at least 1 s, not \(wall)")
        }
    }
}
