import Foundation

/// One run of a program: what to run, with what, and for how long at most.
public struct ProcessInvocation: Sendable, Hashable {
    /// A path, or a name looked up on the `PATH` of the environment the program gets.
    public var executable: String
    public var arguments: [String]
    /// Variables added to (or replacing) the runner's base environment.
    public var environment: [String: String]
    /// Bytes written to the program's standard input, which is then closed; `nil` gives it
    /// `/dev/null`.
    public var standardInput: Data?
    /// The directory the program starts in; `nil` keeps the current one.
    public var workingDirectory: String?
    /// How long the program may run before it is sent SIGTERM (and SIGKILL 5 s later).
    public var timeout: Duration
    /// Whether the program starts jobs, and so gets the base environment without gasp's secrets
    /// (``JobEnvironment``); ``environment`` is added either way.
    public var startsJobs: Bool = false

    public init(
        _ executable: String, _ arguments: [String] = [], environment: [String: String] = [:],
        standardInput: Data? = nil, workingDirectory: String? = nil,
        timeout: Duration = BackendDefaults.commandTimeout
    ) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.standardInput = standardInput
        self.workingDirectory = workingDirectory
        self.timeout = timeout
    }

    /// The command line as a person would type it (for error messages and logs).
    public var commandLine: String {
        ([executable] + arguments).map(ShellQuoting.quote).joined(separator: " ")
    }
}

/// How a program ended and what it printed.
public struct ProcessResult: Sendable, Hashable {
    /// The command line that ran.
    public var commandLine: String
    /// The exit status, or the signal number when ``terminatedBySignal``.
    public var status: Int32
    /// Whether a signal ended the program.
    public var terminatedBySignal: Bool
    /// Whether the runner killed it for running past its timeout.
    public var timedOut: Bool
    public var standardOutput: String
    public var standardError: String

    /// Exit status 0.
    public var succeeded: Bool { status == 0 && !terminatedBySignal && !timedOut }

    /// This result, or an error naming the command, its status and its standard error.
    public func checked(_ what: String? = nil) throws(BackendError) -> ProcessResult {
        if succeeded { return self }
        if timedOut {
            throw BackendError(.commandTimedOut, "\(what ?? "the command") did not finish in time and was killed",
                               command: commandLine, standardError: standardError)
        }
        let how = terminatedBySignal ? "was killed by signal \(status)" : "exited with status \(status)"
        throw BackendError(.commandFailed, "\(what ?? "the command") \(how)",
                           command: commandLine, standardError: standardError,
                           exitStatus: terminatedBySignal ? nil : status)
    }
}
