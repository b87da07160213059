/// Why a bootstrap could not be planned or applied.
public struct BootstrapError: Error, Sendable, CustomStringConvertible {
    /// What kind of problem.
    public enum Code: String, Sendable {
        case viewsMissing = "views_missing"
        case unexpectedFile = "unexpected_file"
        case emptyDesignDocument = "empty_design_document"
        case missingMap = "missing_map"
        case emptyFile = "empty_file"
        case unreadable
        case invalidJavaScript = "invalid_javascript"
        case invalidSecurity = "invalid_security"
        case server
    }

    public var code: Code
    /// A human explanation naming the file, database or document.
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
