import NIOHTTP1

/// One HTTP request as the client hands it to its transport.
public struct TransportRequest: Sendable {
    /// The HTTP method.
    public var method: HTTPMethod
    /// The absolute URL (scheme, host, port, percent-encoded path and query; no credentials).
    public var url: String
    /// The request headers, including `Authorization` or `Cookie` when the client authenticates.
    public var headers: HTTPHeaders
    /// The body, if any.
    public var body: [UInt8]?
    /// How long the whole exchange may take before the transport gives up.
    public var timeout: Duration

    /// Makes a request.
    public init(method: HTTPMethod, url: String, headers: HTTPHeaders = [:], body: [UInt8]? = nil, timeout: Duration) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }
}

/// One HTTP answer as the transport hands it back, body fully read.
public struct TransportResponse: Sendable {
    /// The HTTP status code.
    public var status: Int
    /// The response headers.
    public var headers: HTTPHeaders
    /// The body bytes (empty for `HEAD`).
    public var body: [UInt8]

    /// Makes a response.
    public init(status: Int, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// A request that got no HTTP answer.
public struct TransportError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is known about the failure.
    public enum Kind: String, Sendable, Hashable {
        /// No connection could be made, so the request certainly did not reach the server.
        /// Safe to retry even for a write that is not idempotent.
        case notConnected
        /// The timeout passed before the answer arrived; the server may have acted on it.
        case timeout
        /// The connection failed after the request may have been sent.
        case failed
    }

    /// What is known about the failure.
    public var kind: Kind
    /// A human description of the underlying error.
    public var message: String

    /// Makes a transport error.
    public init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "\(kind.rawValue): \(message)" }
}

/// What the client sends requests through: AsyncHTTPClient in production
/// (``AsyncHTTPClientTransport``), anything that can count, inspect or fail requests in tests.
///
/// A transport throws ``TransportError`` when there is no answer; any other error it throws is
/// treated as ``TransportError/Kind/failed``. Every HTTP answer, whatever its status, is returned.
public protocol HTTPTransport: Sendable {
    /// Sends one request and returns the answer with its body read.
    func send(_ request: TransportRequest) async throws -> TransportResponse
    /// Releases what the transport owns (connections, event loops). Called by
    /// ``CouchClient/shutdown()``.
    func shutdown() async throws
}

extension HTTPTransport {
    /// Nothing to release by default.
    public func shutdown() async throws {}
}
