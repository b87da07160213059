import JSON

/// An error answered to a client in CouchDB's shape: a status and `{"error": …, "reason": …}`.
///
/// The `error` and `reason` strings are CouchDB's own where CouchDB has one, because clients
/// (and the conformance corpus) compare them.
struct CouchHTTPError: Error, Sendable, Equatable {
    /// The HTTP status code.
    var status: Int
    /// CouchDB's error token, e.g. `not_found`, `conflict`, `bad_request`.
    var error: String
    /// The human reason.
    var reason: String
    /// Extra response headers (e.g. `Allow` on 405, `WWW-Authenticate` on 401).
    var headers: [(String, String)] = []

    init(status: Int, error: String, reason: String, headers: [(String, String)] = []) {
        self.status = status
        self.error = error
        self.reason = reason
        self.headers = headers
    }

    static func == (a: CouchHTTPError, b: CouchHTTPError) -> Bool {
        a.status == b.status && a.error == b.error && a.reason == b.reason
    }

    /// The JSON body of the response.
    var body: JSONValue { ["error": .string(error), "reason": .string(reason)] }

    static func badRequest(_ reason: String) -> CouchHTTPError { .init(status: 400, error: "bad_request", reason: reason) }
    static func notFound(_ reason: String = "missing") -> CouchHTTPError { .init(status: 404, error: "not_found", reason: reason) }
    static func conflict() -> CouchHTTPError { .init(status: 409, error: "conflict", reason: "Document update conflict.") }
    static func unauthorized(_ reason: String) -> CouchHTTPError { .init(status: 401, error: "unauthorized", reason: reason) }
    static func forbidden(_ reason: String) -> CouchHTTPError { .init(status: 403, error: "forbidden", reason: reason) }
    static let databaseMissing = CouchHTTPError(status: 404, error: "not_found", reason: "Database does not exist.")
}

/// A response in transport-neutral form: what the HTTP layer turns into bytes.
struct CouchResponse: Sendable {
    /// The HTTP status code.
    var status: Int
    /// Response headers other than `Content-Type` and `Content-Length`.
    var headers: [(String, String)]
    /// The body: JSON (sent as `application/json`) or raw bytes with their content type.
    var body: Body

    enum Body: Sendable {
        case json(JSONValue)
        case bytes([UInt8], contentType: String)
        case empty
    }

    init(status: Int, headers: [(String, String)] = [], json: JSONValue) {
        self.status = status
        self.headers = headers
        self.body = .json(json)
    }

    init(status: Int, headers: [(String, String)] = [], body: Body) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    init(_ error: CouchHTTPError) {
        self.init(status: error.status, headers: error.headers, json: error.body)
    }
}
