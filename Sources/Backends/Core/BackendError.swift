import Foundation

/// An error from a backend: a code to act on and a message for a person, naming the command
/// that was run and what it printed on standard error.
public struct BackendError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, coarsely.
    public enum Code: String, Sendable, Hashable {
        /// The batch command is not installed or not on `PATH`.
        case commandNotFound
        /// The batch command ran and exited non-zero.
        case commandFailed
        /// The batch command did not finish within its time limit and was killed.
        case commandTimedOut
        /// The batch command's output did not have the expected form.
        case unparsableOutput
        /// The request cannot be submitted as it is (a bad name, an empty script...).
        case invalidRequest
        /// The backend's configuration is wrong (unknown key, wrong type, missing setting).
        case invalidConfiguration
        /// The backend is full: its configured capacity of running jobs is reached.
        case atCapacity
        /// The job is not known to the backend.
        case notFound
        /// Reading or writing the backend's own files failed.
        case io
    }

    public var code: Code
    /// A sentence for a person.
    public var message: String
    /// The command line that was run, when a command was involved.
    public var command: String?
    /// What the command printed on standard error (trimmed), when it printed anything.
    public var standardError: String?
    /// The command's exit status, when it exited.
    public var exitStatus: Int32?

    public init(_ code: Code, _ message: String, command: String? = nil, standardError: String? = nil, exitStatus: Int32? = nil) {
        self.code = code
        self.message = message
        self.command = command
        let trimmed = standardError?.trimmingCharacters(in: .whitespacesAndNewlines)
        self.standardError = (trimmed?.isEmpty ?? true) ? nil : trimmed
        self.exitStatus = exitStatus
    }

    public var description: String {
        var text = "\(code.rawValue): \(message)"
        if let command { text += "; command: \(command)" }
        if let exitStatus { text += "; exit status \(exitStatus)" }
        if let standardError { text += "; stderr: \(standardError)" }
        return text
    }
}
