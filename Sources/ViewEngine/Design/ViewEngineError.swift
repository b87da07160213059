/// A failure of the view engine, with CouchDB's error name where CouchDB has one.
public struct ViewEngineError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure.
    public enum Code: String, Sendable {
        /// A design-document function does not compile (CouchDB: 400 `compilation_error`).
        case compilationError = "compilation_error"
        /// The design document is malformed (CouchDB: 400 `invalid_design_doc`).
        case invalidDesignDocument = "invalid_design_doc"
        /// A call exceeded its time limit; the query-server process was killed and replaced.
        case timeout = "os_process_error"
        /// The query-server process died, could not be started, or answered nonsense.
        case processFailed = "query_server_failed"
        /// A JavaScript reduce or the query server itself raised an error.
        case javaScriptError = "query_server_error"
        /// A built-in reduce met values it cannot combine (e.g. `_stats` over strings).
        case invalidValue = "invalid_value"
    }

    /// The kind of failure.
    public var code: Code
    /// A human explanation (for `compilationError`, CouchDB-style text naming the function).
    public var reason: String

    /// A failure of kind `code`.
    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    /// The HTTP status CouchDB answers with for this failure.
    public var httpStatus: Int {
        switch code {
        case .compilationError, .invalidDesignDocument: 400
        case .timeout, .processFailed, .javaScriptError, .invalidValue: 500
        }
    }

    /// The `error` member of CouchDB's error body.
    public var couchError: String { code.rawValue }

    public var description: String { "\(code.rawValue): \(reason)" }
}
