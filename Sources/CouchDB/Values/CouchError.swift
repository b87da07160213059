import JSON

/// A failed CouchDB request: what went wrong, CouchDB's own words for it, and which request it was.
///
/// `description` is meant for humans and logs. It never contains credentials: paths are built
/// by the client and credentials travel only in headers.
public struct CouchError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure.
    public enum Code: String, Sendable, Hashable {
        /// 400: CouchDB rejected the request (bad JSON, bad rev format, bad query parameter…).
        case badRequest
        /// 401: the credentials were rejected or are missing. Never retried.
        case unauthorized
        /// 403: authenticated but not allowed (or a `validate_doc_update` said `forbidden`, or
        /// the account is locked out).
        case forbidden
        /// 404: no such database, document, attachment or view.
        case notFound
        /// 405: the method is not supported on this path.
        case methodNotAllowed
        /// 406: the server cannot produce the requested content type.
        case notAcceptable
        /// 409: the revision given is not the current one (or the document already exists).
        case conflict
        /// 412: a precondition failed (the database already exists, a missing attachment stub).
        case preconditionFailed
        /// 413: the request body is larger than the server accepts.
        case payloadTooLarge
        /// 415: the request's `Content-Type` is not accepted.
        case unsupportedMediaType
        /// 416: a byte range that cannot be satisfied.
        case rangeNotSatisfiable
        /// 417: `_bulk_docs` with `all_or_nothing`, which CouchDB 3 does not implement.
        case expectationFailed
        /// 202: the write was accepted but is not yet durable on a quorum of a cluster. Only
        /// raised when the caller asked for durable writes (see ``WriteResult/requireDurable()``).
        case accepted
        /// Any 5xx answer.
        case server
        /// Any other unexpected HTTP status.
        case unexpectedStatus
        /// The request did not get an answer: connection refused or reset, DNS, TLS, closed early.
        case transport
        /// The request did not get an answer within its timeout.
        case timeout
        /// The answer could not be read as the JSON shape CouchDB documents.
        case decoding
        /// The caller passed something the client cannot send (e.g. a document without `_id`
        /// where one is required).
        case invalidArgument
        /// The task was cancelled while the request was in flight or waiting to retry.
        case cancelled
    }

    /// The kind of failure.
    public var code: Code
    /// The HTTP status, when the server answered.
    public var status: Int?
    /// CouchDB's `error` string (e.g. `conflict`, `not_found`, `file_exists`).
    public var error: String?
    /// CouchDB's `reason` string (e.g. `Document update conflict.`).
    public var reason: String?
    /// The HTTP method of the failed request.
    public var method: String
    /// The request path and query (no scheme, host or credentials).
    public var path: String
    /// How many times the request was sent (more than one when it was retried).
    public var attempts: Int
    /// A description of the underlying transport or decoding failure, when there is one.
    public var underlying: String?

    /// Makes an error; usually the client makes them.
    public init(
        code: Code, status: Int? = nil, error: String? = nil, reason: String? = nil,
        method: String = "", path: String = "", attempts: Int = 1, underlying: String? = nil
    ) {
        self.code = code
        self.status = status
        self.error = error
        self.reason = reason
        self.method = method
        self.path = path
        self.attempts = attempts
        self.underlying = underlying
    }

    /// The code for an HTTP status CouchDB answered with (nil for 2xx).
    public static func code(forStatus status: Int) -> Code? {
        switch status {
        case 200..<300: return nil
        case 400: return .badRequest
        case 401: return .unauthorized
        case 403: return .forbidden
        case 404: return .notFound
        case 405: return .methodNotAllowed
        case 406: return .notAcceptable
        case 409: return .conflict
        case 412: return .preconditionFailed
        case 413: return .payloadTooLarge
        case 415: return .unsupportedMediaType
        case 416: return .rangeNotSatisfiable
        case 417: return .expectationFailed
        case 500..<600: return .server
        default: return .unexpectedStatus
        }
    }

    /// True for a 409 conflict.
    public var isConflict: Bool { code == .conflict }
    /// True for a 404.
    public var isNotFound: Bool { code == .notFound }
    /// True when the request may succeed if sent again later (transport failures, timeouts, 5xx).
    public var isTransient: Bool { code == .transport || code == .timeout || code == .server }

    /// True when the server rejected the credentials themselves (wrong name or password, or the
    /// account is locked out), as opposed to a `validate_doc_update` or database-level refusal.
    /// Repeating such a request only brings CouchDB 3.4's account lockout closer.
    public var isCredentialRejection: Bool {
        switch code {
        case .unauthorized:
            return reason == "Name or password is incorrect." || path.hasPrefix("/_session")
        case .forbidden:
            return reason?.hasPrefix("Account is temporarily locked") ?? false
        default:
            return false
        }
    }

    public var description: String {
        var text = "CouchDB \(method) \(path) failed: \(code.rawValue)"
        if let status { text += " (HTTP \(status))" }
        if let error {
            text += " \(error)"
            if let reason, !reason.isEmpty { text += ": \(reason)" }
        } else if let reason, !reason.isEmpty {
            text += ": \(reason)"
        }
        if let underlying { text += " (\(underlying))" }
        if attempts > 1 { text += " after \(attempts) attempts" }
        return text
    }
}

extension CouchError {
    /// Builds the error for a non-2xx answer, reading CouchDB's `{"error", "reason"}` body if any.
    static func from(status: Int, body: [UInt8], method: String, path: String, attempts: Int) -> CouchError {
        var error: String?
        var reason: String?
        if !body.isEmpty, let value = try? JSONParser.parse(body) {
            error = value["error"]?.stringValue
            reason = value["reason"]?.stringValue
        }
        return CouchError(
            code: code(forStatus: status) ?? .unexpectedStatus, status: status, error: error,
            reason: reason, method: method, path: path, attempts: attempts)
    }
}
