import JSON
import NIOHTTP1

/// A request as the client's methods describe it, before authentication and retries.
struct CouchRequest: Sendable {
    /// The HTTP method.
    var method: HTTPMethod
    /// The percent-encoded path, starting with `/`.
    var path: String
    /// Query parameters, not yet encoded.
    var query: [(String, String)] = []
    /// Extra headers (`If-Match`, `Accept`…).
    var headers: HTTPHeaders = [:]
    /// The body and its content type.
    var body: [UInt8]? = nil
    /// Whether sending the request twice has the same effect as sending it once (see
    /// ``RetryPolicy``). Requests that are not may still be resent when they never connected.
    var idempotent: Bool
    /// Overrides the client's request timeout.
    var timeout: Duration? = nil
    /// Overrides the retry policy's attempt count (1 = the caller handles failures itself).
    var maxAttempts: Int? = nil
    /// False for the login request itself.
    var authenticated = true

    init(_ method: HTTPMethod, _ path: String, query: [(String, String)] = [], idempotent: Bool? = nil) {
        self.method = method
        self.path = path
        self.query = query
        switch method {
        case .GET, .HEAD, .PUT, .DELETE: self.idempotent = idempotent ?? true
        default: self.idempotent = idempotent ?? false
        }
    }

    /// Sets a JSON body with `Content-Type: application/json`.
    mutating func setJSON(_ value: JSONValue) {
        setJSON(bytes: value.serializedBytes())
    }

    /// Sets a body of JSON text with `Content-Type: application/json`.
    mutating func setJSON(bytes: [UInt8]) {
        body = bytes
        headers.replaceOrAdd(name: "Content-Type", value: "application/json")
    }

    /// The path with its query, as shown in logs and errors.
    var pathAndQuery: String { path + PathEncoding.query(query) }
}

/// A successful answer with helpers to read it.
public struct CouchResponse: Sendable {
    /// The HTTP status (2xx).
    public var status: Int
    /// The response headers.
    public var headers: HTTPHeaders
    /// The body bytes.
    public var body: [UInt8]
    /// The method and path of the request, for error messages.
    var method: String
    var path: String

    /// True unless the server answered 202 Accepted (written, but not yet on a quorum).
    public var durable: Bool { status != 202 }

    /// The body parsed as JSON.
    public func json() throws(CouchError) -> JSONValue {
        do {
            return try JSONParser.parse(body)
        } catch {
            throw decodingError("the answer is not JSON: \(error)")
        }
    }

    /// The body parsed as a JSON object.
    func object() throws(CouchError) -> JSONValue {
        let value = try json()
        guard case .object = value else { throw decodingError("expected a JSON object, got \(value.typeName)") }
        return value
    }

    /// A decoding error naming this request.
    func decodingError(_ message: String) -> CouchError {
        CouchError(code: .decoding, status: status, method: method, path: path, underlying: message)
    }

    /// A string member that must be present.
    func string(_ value: JSONValue, _ key: String) throws(CouchError) -> String {
        guard let string = value[key]?.stringValue else { throw decodingError("missing string member `\(key)`") }
        return string
    }
}

extension Optional where Wrapped == JSONValue {
    /// The value unless it is missing or JSON `null` (CouchDB writes `"doc": null` for deleted
    /// documents).
    var nonNull: JSONValue? {
        switch self {
        case .none, .some(.null): return .none
        case .some(let value): return value
        }
    }
}
