import CouchDB
import Processing

/// Why an enqueue, registration or request stopped.
public struct EnqueueError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public enum Code: String, Sendable, Hashable {
        /// The input has problems (listed); nothing was written.
        case invalidInput = "invalid_input"
        /// No catalogue for the version (no file given and no `catalogue:<version>` document).
        case unknownVersion = "unknown_version"
        /// A write was refused with 403 under a lease epoch: the lease was lost; stop.
        case fenced
        /// Documents kept conflicting after the retries allowed.
        case conflict
        /// A document in the database is not what its type says.
        case malformedDocument = "malformed_document"
        /// Something else the operator must look at (named in the message).
        case refused
    }

    public var code: Code
    /// What happened, for humans.
    public var message: String
    /// The input problems, for `invalidInput`.
    public var problems: [InputProblem]

    /// Makes an error.
    public init(_ code: Code, _ message: String, problems: [InputProblem] = []) {
        self.code = code
        self.message = message
        self.problems = problems
    }

    /// Every problem of a validation failure; nothing was written.
    public static func invalid(_ failure: ValidationFailure) -> EnqueueError {
        EnqueueError(.invalidInput, "nothing was written", problems: failure.problems)
    }

    public var description: String {
        guard !problems.isEmpty else { return message }
        return problems.map(\.description).joined(separator: "\n")
            + "\n\(problems.count) problem\(problems.count == 1 ? "" : "s"); \(message)"
    }
}

/// One document a bulk write could not save, and why; a rerun of the same request writes
/// exactly these.
public struct DocumentFailure: Sendable, Hashable, CustomStringConvertible {
    public var id: String
    public var error: String
    public var reason: String

    public var description: String { "\(id): \(error) \(reason)" }
}

extension DocumentError {
    var enqueueError: EnqueueError { EnqueueError(.malformedDocument, description) }
}
