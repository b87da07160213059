/// A problem in a site configuration file, located by file, line, column and key.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    /// What kind of problem.
    public enum Code: String, Sendable {
        case unreadable
        case syntax
        case unknownKey = "unknown_key"
        case missingKey = "missing_key"
        case wrongType = "wrong_type"
        case invalidValue = "invalid_value"
    }

    public var code: Code
    /// The file.
    public var file: String
    /// 1-based line and column, when known.
    public var line: Int?
    public var column: Int?
    /// The dotted key path, e.g. `couchdb.url`.
    public var key: String?
    /// What is wrong.
    public var message: String

    public init(_ code: Code, file: String, line: Int? = nil, column: Int? = nil, key: String? = nil, _ message: String) {
        self.code = code
        self.file = file
        self.line = line
        self.column = column
        self.key = key
        self.message = message
    }

    /// `file:line:column: key: message`, the way compilers report.
    public var description: String {
        var location = file
        if let line { location += ":\(line)" }
        if let column { location += ":\(column)" }
        return "\(location): " + (key.map { "\($0): " } ?? "") + message
    }
}
