import JSON
import Logging
import NIOHTTP1

/// A connection to one CouchDB server (Apache CouchDB 3.x or the embedded store).
///
/// A value type: copies share the transport (and its connection pool) and the authentication
/// state (session cookie, latched credential rejection). Create one per server and call
/// ``shutdown()`` when done if it created its own transport.
///
/// ```swift
/// let couch = try CouchClient(url: "http://127.0.0.1:5984",
///                             credentials: .cookie(name: "admin", password: secret))
/// let db = couch.database("jobs")
/// try await db.createIfMissing()
/// let result = try await db.put(["_id": "job:a:0000000001", "type": "job"])
/// ```
public struct CouchClient: Sendable {
    /// Timeouts and retries.
    public struct Configuration: Sendable {
        /// How long one attempt of a request may take (a longpoll `_changes` adds its wait).
        public var requestTimeout: Duration
        /// When to resend a failed request.
        public var retry: RetryPolicy

        /// Makes a configuration.
        public init(requestTimeout: Duration = .seconds(30), retry: RetryPolicy = .default) {
            self.requestTimeout = requestTimeout
            self.retry = retry
        }
    }

    /// The server's base URL without credentials or trailing slash, e.g. `http://127.0.0.1:5984`.
    public let baseURL: String
    /// How the client authenticates.
    public let credentials: CouchCredentials
    /// Timeouts and retries.
    public var configuration: Configuration
    /// Where requests are logged (method, path, status, time; never credentials).
    public var logger: Logger
    /// The transport requests go through.
    public let transport: any HTTPTransport
    let authentication: AuthenticationState

    /// Connects to `url`. Credentials written in the URL (`http://name:password@host:port`) are
    /// used as Basic credentials unless `credentials` is given; they are removed from
    /// ``baseURL``. Without a `transport` the client creates an ``AsyncHTTPClientTransport``,
    /// which ``shutdown()`` releases.
    public init(
        url: String, credentials: CouchCredentials? = nil, transport: (any HTTPTransport)? = nil,
        configuration: Configuration = Configuration(),
        logger: Logger = Logger(label: "gasp.couchdb")
    ) throws(CouchError) {
        let parsed = try Self.split(url: url)
        self.baseURL = parsed.base
        self.credentials = credentials ?? parsed.credentials
        self.transport = transport ?? AsyncHTTPClientTransport()
        self.configuration = configuration
        self.logger = logger
        self.authentication = AuthenticationState()
    }

    /// Releases the transport (for the default transport: shuts its `HTTPClient` down).
    public func shutdown() async throws {
        try await transport.shutdown()
    }

    /// Forgets the session cookie and a latched credential rejection, so the next request
    /// authenticates again. Call it only once the account on the server has been fixed (or its
    /// lockout has passed); otherwise it only spends another of the five failures allowed.
    public func resetAuthentication() async {
        await authentication.reset()
    }

    /// A copy of this client (sharing transport and session) whose requests each may take up
    /// to `timeout`.
    public func withRequestTimeout(_ timeout: Duration) -> CouchClient {
        var copy = self
        copy.configuration.requestTimeout = timeout
        return copy
    }

    /// A copy of this client (sharing transport and session) with another retry policy, e.g.
    /// ``RetryPolicy/never`` for a caller that handles failures itself.
    public func withRetryPolicy(_ retry: RetryPolicy) -> CouchClient {
        var copy = self
        copy.configuration.retry = retry
        return copy
    }

    /// A handle on database `name` (nothing is sent until a method is called).
    public func database(_ name: String) -> CouchDatabase {
        CouchDatabase(client: self, name: name)
    }
}
