import JSON

/// Settings of the authenticator; the defaults are CouchDB 3.4's.
struct AuthOptions: Sendable {
    /// Seconds an AuthSession cookie lives (`[chttpd_auth] timeout`).
    var cookieLifetime: Int64 = 600
    /// Failed checks that lock an account (`[chttpd_auth_lockout] threshold`); 0 disables lockout.
    var lockoutThreshold = 5
    /// Seconds a lockout counter lives (`[chttpd_auth_lockout] max_lifetime`).
    var lockoutDuration: Int64 = 300
    /// Documents asking for more PBKDF2 iterations are refused (`max_iterations`), so a stored
    /// document cannot make every login burn minutes of CPU.
    var maximumIterations = 10_000_000
    /// Verified passwords remembered in memory.
    var credentialCacheSize = 1_000
    /// The wall clock (injected by tests).
    var clock: AuthClock = .system

    init() {}
}

/// Authenticates requests as CouchDB 3.4 does: an `AuthSession` cookie first, then basic auth,
/// else anonymous. The server admin comes from configuration, other users from `_users`.
/// Without a configured admin every anonymous request acts as admin ("admin party"), as in
/// CouchDB.
struct Authenticator: Sendable {
    /// The handler names CouchDB lists in `/_session`'s `info.authentication_handlers`.
    static let handlerNames: [String] = ["cookie", "default"]
    static let incorrectCredentials = CouchHTTPError.unauthorized("Name or password is incorrect.")
    static let malformedCookie = CouchHTTPError.badRequest("Malformed AuthSession cookie. Please clear your cookies.")

    let secret: [UInt8]
    let users: any UserDirectory
    let options: AuthOptions
    let lockout: LoginLockout
    private let admin: UserCredentials?
    private let cache: CredentialCache

    /// - Parameters:
    ///   - admin: the server admin, or `nil` for admin party.
    ///   - secret: the cookie secret (keep it across restarts so cookies stay valid).
    ///   - users: the `_users` database.
    init(admin: ServerAdmin?, secret: [UInt8], users: any UserDirectory, options: AuthOptions = AuthOptions()) {
        self.secret = secret
        self.users = users
        self.options = options
        self.admin = admin.map { UserCredentials(admin: $0, secret: secret) }
        self.lockout = LoginLockout(
            threshold: options.lockoutThreshold, duration: options.lockoutDuration, clock: options.clock)
        self.cache = CredentialCache(capacity: options.credentialCacheSize)
    }

    /// The user a request acts as (anonymous without credentials); an error ends the request.
    func authenticate(_ request: AuthRequest) async -> Result<Authentication, CouchHTTPError> {
        do {
            return .success(try await authenticating(request))
        } catch {
            return .failure(error)
        }
    }

    private func authenticating(_ request: AuthRequest) async throws(CouchHTTPError) -> Authentication {
        if let cookie = SessionCookie.value(inCookieHeader: request.cookie) {
            guard let contents = SessionCookie.decode(cookie) else { throw Self.malformedCookie }
            if let authentication = try await cookieAuthentication(contents) { return authentication }
        }
        switch BasicAuthorization(header: request.authorization) {
        case .malformed:
            throw BasicAuthorization.malformedError
        case .credentials(let name, let password):
            // Unknown names are refused without counting a failure (CouchDB's basic handler).
            guard let credentials = try await credentials(for: name) else { throw Self.incorrectCredentials }
            guard try await check(password: password, against: credentials, from: request.clientAddress) else {
                throw Self.incorrectCredentials
            }
            return Authentication(user: UserContext(name: name, roles: credentials.roles), handler: "default")
        case .none:
            let user = admin == nil ? UserContext(name: nil, roles: ["_admin"]) : .anonymous
            return Authentication(user: user, handler: nil)
        }
    }

    /// The user a well-formed cookie names, or `nil` when the cookie is expired, forged or
    /// names an unknown user (the request then goes on as if it had no cookie).
    private func cookieAuthentication(_ contents: SessionCookie.Contents) async throws(CouchHTTPError) -> Authentication? {
        guard let credentials = try await credentials(for: contents.user) else { return nil }
        let key = SessionCookie.key(secret: secret, salt: credentials.salt)
        let now = options.clock.now()
        let lifetime = options.cookieLifetime
        guard let left = SessionCookie.verify(contents, key: key, now: now, lifetime: lifetime) else { return nil }
        var refreshed: String?
        if left * 10 < lifetime * 9 {
            let value = SessionCookie.make(user: contents.user, time: now, key: key)
            refreshed = SessionCookie.setCookieHeader(value: value, now: now, maxAge: lifetime)
        }
        return Authentication(
            user: UserContext(name: contents.user, roles: credentials.roles), handler: "cookie", setCookie: refreshed)
    }

    /// The configured admin or the `_users` document for `name`.
    func credentials(for name: String) async throws(CouchHTTPError) -> UserCredentials? {
        if let admin, admin.name == name { return admin }
        let document: JSONValue?
        do {
            document = try await users.userDocument(name: name)
        } catch let error as CouchHTTPError {
            throw error
        } catch {
            throw CouchHTTPError(status: 500, error: "unknown_error", reason: String(describing: error))
        }
        guard let document else { return nil }
        return try UserCredentials(name: name, document: document)
    }

    /// One password check, under lockout: refused with 403 once the key is locked; a wrong
    /// password counts a failure. Verified passwords are cached.
    func check(password: String, against credentials: UserCredentials, from clientAddress: String) async throws(CouchHTTPError) -> Bool {
        let lockoutKey = LoginLockout.Key(clientAddress: clientAddress, name: credentials.name, salt: credentials.salt)
        if await lockout.isLocked(lockoutKey) { throw LoginLockout.lockedError }
        var cacheKey: CredentialCache.Key?
        if case .document = credentials.verifier, let stored = credentials.storedHash {
            cacheKey = CredentialCache.Key(name: credentials.name, salt: credentials.salt, storedHash: stored)
        }
        if let cacheKey {
            switch await cache.lookup(cacheKey, password: password) {
            case .match:
                return true
            case .mismatch:
                await lockout.recordFailure(lockoutKey)
                return false
            case .unknown:
                break
            }
        }
        let verified = try credentials.verify(password: password, maximumIterations: options.maximumIterations)
        if verified {
            if let cacheKey { await cache.insert(cacheKey, password: password) }
        } else {
            await lockout.recordFailure(lockoutKey)
        }
        return verified
    }
}
