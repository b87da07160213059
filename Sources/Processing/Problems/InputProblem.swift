/// One problem found in an input (a module catalogue, a production request, a run list, a
/// run selection), located by source (file, document id or run), line and column when known, and key.
public struct InputProblem: Sendable, Hashable, CustomStringConvertible {
    /// The kind of problem.
    public enum Code: String, Sendable, Hashable {
        case unreadable
        case syntax
        case unknownKey = "unknown_key"
        case missingKey = "missing_key"
        case wrongType = "wrong_type"
        case invalidValue = "invalid_value"
        case unknownModule = "unknown_module"
        case cycle
        /// A run-list line or argument that is not a run number.
        case notARun = "not_a_run"
        /// A range whose start is after its end.
        case reversedRange = "reversed_range"
        /// A run that is not registered, or has no run type where one is needed.
        case unknownRun = "unknown_run"
        case noRunType = "no_run_type"
        /// A run whose data or conditions are not ready (skip the check with `-s`).
        case notReady = "not_ready"
        /// A module whose prerequisite pass cannot be found or is not in the submission.
        case missingPrerequisite = "missing_prerequisite"
        /// A software version with no catalogue.
        case unknownVersion = "unknown_version"
    }

    public var code: Code
    /// The file or document the problem is in.
    public var source: String
    /// 1-based line and column, when known (YAML and JSON files).
    public var line: Int?
    public var column: Int?
    /// The dotted key path, e.g. `modules.Analysis.prerequisites.0`.
    public var key: String?
    /// What is wrong.
    public var message: String

    /// Makes a problem.
    public init(_ code: Code, source: String, line: Int? = nil, column: Int? = nil, key: String?, _ message: String) {
        self.code = code
        self.source = source
        self.line = line
        self.column = column
        self.key = key
        self.message = message
    }

    /// `source:line:column: key: message`, the way compilers report.
    public var description: String {
        var location = source
        if let line { location += ":\(line)" }
        if let column { location += ":\(column)" }
        return "\(location): " + (key.map { "\($0): " } ?? "") + message
    }
}

/// Every problem found in one input, reported together; nothing was used.
public struct ValidationFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// The problems, in the order found.
    public var problems: [InputProblem]

    /// Makes a failure.
    public init(_ problems: [InputProblem]) { self.problems = problems }

    public var description: String {
        problems.map(\.description).joined(separator: "\n")
            + (problems.count > 1 ? "\n\(problems.count) problems" : "")
    }
}

/// Finds the line and column of a key path in the text an input was read from.
public typealias KeyLocator = @Sendable (String) -> (line: Int, column: Int)?
