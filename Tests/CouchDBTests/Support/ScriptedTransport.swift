@testable import CouchDB
import JSON
import NIOHTTP1

/// A transport that answers from a script and records every request, for tests of the
/// client's own behaviour (retries, authentication, request shapes) without a server.
actor ScriptedTransport: HTTPTransport {
    /// One scripted outcome.
    enum Step: Sendable {
        case respond(Int, JSONValue, headers: [(String, String)] = [])
        case fail(TransportError.Kind)
    }

    private var steps: [Step]
    private let fallback: ((TransportRequest) -> TransportResponse)?
    private(set) var requests: [TransportRequest] = []

    init(_ steps: [Step], fallback: (@Sendable (TransportRequest) -> TransportResponse)? = nil) {
        self.steps = steps
        self.fallback = fallback
    }

    func send(_ request: TransportRequest) async throws -> TransportResponse {
        requests.append(request)
        guard !steps.isEmpty else {
            if let fallback { return fallback(request) }
            throw TransportError(kind: .failed, message: "script exhausted")
        }
        switch steps.removeFirst() {
        case .respond(let status, let body, let headers):
            return TransportResponse(status: status, headers: HTTPHeaders(headers), body: body.serializedBytes())
        case .fail(let kind):
            throw TransportError(kind: kind, message: "scripted \(kind.rawValue)")
        }
    }

    /// The number of requests sent so far.
    var count: Int { requests.count }

    /// The paths (with query) of the requests sent, without the base URL.
    var paths: [String] {
        requests.map { String($0.url.dropFirst(ScriptedTransport.base.count)) }
    }

    static let base = "http://couch.test:5984"
}

/// A client on a scripted transport with fast retries.
func scriptedClient(
    _ transport: ScriptedTransport, credentials: CouchCredentials = .basic(name: "admin", password: "s3cret"),
    maxAttempts: Int = 4
) throws -> CouchClient {
    try CouchClient(
        url: ScriptedTransport.base, credentials: credentials, transport: transport,
        configuration: .init(
            requestTimeout: .seconds(5),
            retry: RetryPolicy(maxAttempts: maxAttempts, initialDelay: .milliseconds(1), maxDelay: .milliseconds(5))))
}

/// `Set-Cookie` as CouchDB sends it after a login.
func sessionCookieHeader(_ value: String) -> (String, String) {
    ("Set-Cookie", "AuthSession=\(value); Version=1; Expires=Sun, 22-Nov-2026 02:33:57 GMT; Max-Age=600; Path=/; HttpOnly")
}
