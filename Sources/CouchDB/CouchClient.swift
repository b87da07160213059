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
    /// Timeouts, retries and limits.
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
    /// authenticates again. Call it only after the credentials have been fixed.
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

    // MARK: - Sending

    /// Sends `request` with authentication and retries; returns a 2xx answer or throws.
    func send(_ request: CouchRequest) async throws(CouchError) -> CouchResponse {
        let method = request.method.rawValue
        let displayPath = request.pathAndQuery
        let url = baseURL + displayPath
        var policy = configuration.retry
        if let maxAttempts = request.maxAttempts { policy.maxAttempts = max(1, maxAttempts) }
        var attempt = 0
        var loggedInAgain = false

        while true {
            attempt += 1
            if Task.isCancelled {
                throw CouchError(code: .cancelled, method: method, path: displayPath, attempts: attempt - 1)
            }
            var headers = request.headers
            var sentCookie: String?
            if request.authenticated {
                sentCookie = try await authenticate(&headers, method: method, path: displayPath)
            }
            let outgoing = TransportRequest(
                method: request.method, url: url, headers: headers, body: request.body,
                timeout: request.timeout ?? configuration.requestTimeout)

            let started = ContinuousClock.now
            let response: TransportResponse
            do {
                response = try await transport.send(outgoing)
            } catch {
                if error is CancellationError || Task.isCancelled {
                    throw CouchError(code: .cancelled, method: method, path: displayPath, attempts: attempt)
                }
                let failure = (error as? TransportError) ?? TransportError(kind: .failed, message: String(describing: error))
                let code: CouchError.Code = failure.kind == .timeout ? .timeout : .transport
                let retryable = request.idempotent || failure.kind == .notConnected
                if retryable, attempt < policy.maxAttempts {
                    logger.notice(
                        "CouchDB request failed, retrying",
                        metadata: ["method": "\(method)", "path": "\(displayPath)", "attempt": "\(attempt)",
                                   "error": "\(failure)"])
                    try await pause(policy.delay(afterAttempt: attempt), method: method, path: displayPath, attempt: attempt)
                    continue
                }
                throw CouchError(code: code, method: method, path: displayPath, attempts: attempt, underlying: failure.message)
            }
            logger.debug(
                "CouchDB request",
                metadata: ["method": "\(method)", "path": "\(displayPath)", "status": "\(response.status)",
                           "ms": "\((ContinuousClock.now - started).seconds * 1000)"])

            if case .cookie = credentials, let header = response.headers.first(name: "Set-Cookie"),
                let fresh = authSessionCookie(fromSetCookie: header)
            {
                await authentication.refresh(fresh)
            }

            switch response.status {
            case 200..<300:
                return CouchResponse(
                    status: response.status, headers: response.headers, body: response.body,
                    method: method, path: displayPath)
            case 401 where sentCookie != nil && !loggedInAgain:
                // The session cookie has expired (CouchDB then treats the request as anonymous):
                // log in once more and resend. This is not a retry of a failure, so it does not
                // count as an attempt.
                loggedInAgain = true
                await authentication.invalidate(sentCookie!)
                attempt -= 1
                continue
            case 500..<600 where request.idempotent && attempt < policy.maxAttempts:
                logger.notice(
                    "CouchDB answered with a server error, retrying",
                    metadata: ["method": "\(method)", "path": "\(displayPath)", "status": "\(response.status)",
                               "attempt": "\(attempt)"])
                try await pause(policy.delay(afterAttempt: attempt), method: method, path: displayPath, attempt: attempt)
                continue
            default:
                let error = CouchError.from(
                    status: response.status, body: response.body, method: method, path: displayPath,
                    attempts: attempt)
                if request.authenticated, credentials != .none, error.isCredentialRejection {
                    await authentication.reject(error)
                    logger.error(
                        "CouchDB rejected the credentials; no further request will present them",
                        metadata: ["user": "\(credentials.name ?? "")", "error": "\(error)"])
                }
                throw error
            }
        }
    }

    /// Adds the credentials to `headers`; returns the session cookie sent, if any.
    private func authenticate(_ headers: inout HTTPHeaders, method: String, path: String) async throws(CouchError) -> String? {
        switch credentials {
        case .none:
            return nil
        case .basic(let name, let password):
            try await authentication.checkNotRejected()
            headers.replaceOrAdd(name: "Authorization", value: "Basic " + Base64.encode(Array("\(name):\(password)".utf8)))
            return nil
        case .cookie(let name, let password):
            let login: @Sendable () async throws -> String = { [self] in
                try await self.logIn(name: name, password: password)
            }
            do {
                let cookie = try await authentication.sessionCookie(login: login)
                headers.replaceOrAdd(name: "Cookie", value: cookie)
                return cookie
            } catch let error as CouchError {
                throw error
            } catch {
                throw CouchError(code: .transport, method: method, path: path, underlying: "login failed: \(error)")
            }
        }
    }

    /// `POST /_session`; returns the `AuthSession=…` cookie.
    private func logIn(name: String, password: String) async throws(CouchError) -> String {
        var request = CouchRequest(.POST, "/_session", idempotent: true)
        request.authenticated = false
        request.setJSON(["name": .string(name), "password": .string(password)])
        let response = try await send(request)
        guard let header = response.headers["Set-Cookie"].lazy.compactMap(authSessionCookie(fromSetCookie:)).first else {
            throw response.decodingError("POST /_session answered without an AuthSession cookie")
        }
        logger.debug("CouchDB session started", metadata: ["user": "\(name)"])
        return header
    }

    private func pause(_ delay: Duration, method: String, path: String, attempt: Int) async throws(CouchError) {
        do {
            try await Task.sleep(for: delay)
        } catch {
            throw CouchError(code: .cancelled, method: method, path: path, attempts: attempt)
        }
    }

    /// Splits `scheme://[user[:password]@]host[:port][/prefix]` into the base URL and credentials.
    static func split(url: String) throws(CouchError) -> (base: String, credentials: CouchCredentials) {
        guard let schemeEnd = url.range(of: "://") else {
            throw CouchError(code: .invalidArgument, reason: "not an http(s) URL: \(url.redactingUserInfo())")
        }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else {
            throw CouchError(code: .invalidArgument, reason: "not an http(s) URL: \(url.redactingUserInfo())")
        }
        var rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        var credentials = CouchCredentials.none
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            authority = authority[authority.index(after: at)...]
            if let colon = userInfo.firstIndex(of: ":") {
                credentials = .basic(
                    name: PathEncoding.decode(userInfo[..<colon]),
                    password: PathEncoding.decode(userInfo[userInfo.index(after: colon)...]))
            } else {
                credentials = .basic(name: PathEncoding.decode(userInfo), password: "")
            }
        }
        guard !authority.isEmpty else {
            throw CouchError(code: .invalidArgument, reason: "URL has no host: \(url.redactingUserInfo())")
        }
        rest = rest[authorityEnd...]
        while rest.hasSuffix("/") { rest = rest.dropLast() }
        return (scheme + "://" + authority + rest, credentials)
    }
}

extension String {
    /// The URL with any `user:password@` replaced by `***@`, for messages.
    func redactingUserInfo() -> String {
        guard let schemeEnd = range(of: "://") else { return self }
        let rest = self[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@") else { return self }
        return String(self[..<schemeEnd.upperBound]) + "***" + rest[at...]
    }
}
