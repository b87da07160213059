/// The authentication state shared by every copy of one client: the session cookie and, once
/// the server has rejected the credentials, that rejection.
///
/// A rejection is latched: later requests fail with it at once instead of presenting the same
/// wrong password again, because CouchDB 3.4 locks the account out (for every worker on the
/// host, the right password included) after five failures. ``CouchClient/resetAuthentication()``
/// clears it once the configuration has been fixed.
actor AuthenticationState {
    private var cookie: String?
    private var loggingIn = false
    private var waiters: [CheckedContinuation<String, any Error>] = []
    private(set) var rejection: CouchError?

    /// Throws the latched rejection, if there is one.
    func checkNotRejected() throws(CouchError) {
        if let rejection { throw rejection }
    }

    /// Remembers that the server rejected the credentials.
    func reject(_ error: CouchError) {
        rejection = error
        cookie = nil
    }

    /// Forgets the cookie and any rejection.
    func reset() {
        rejection = nil
        cookie = nil
    }

    /// The current session cookie (`AuthSession=…`), logging in through `login` when there is
    /// none. Concurrent callers share one login.
    func sessionCookie(login: @Sendable () async throws -> String) async throws -> String {
        if let rejection { throw rejection }
        if let cookie { return cookie }
        while loggingIn {
            do {
                return try await withCheckedThrowingContinuation { waiters.append($0) }
            } catch let error as CouchError where error.code == .cancelled && !Task.isCancelled {
                // The task that was logging in for everyone was cancelled, this one was not.
                if let rejection { throw rejection }
                if let cookie { return cookie }
            }
        }
        loggingIn = true
        do {
            let fresh = try await login()
            cookie = fresh
            finishLogin(.success(fresh))
            return fresh
        } catch {
            if let error = error as? CouchError, error.isCredentialRejection {
                rejection = error
            }
            finishLogin(.failure(error))
            throw error
        }
    }

    /// Drops `stale` if it is still the current cookie, so the next request logs in again.
    func invalidate(_ stale: String) {
        if cookie == stale { cookie = nil }
    }

    /// Takes a refreshed cookie from a response's `Set-Cookie`.
    func refresh(_ fresh: String) {
        if rejection == nil, !loggingIn { cookie = fresh }
    }

    private func finishLogin(_ result: Result<String, any Error>) {
        loggingIn = false
        let waiting = waiters
        waiters = []
        for waiter in waiting { waiter.resume(with: result) }
    }
}

/// The `AuthSession=value` pair of a `Set-Cookie` header, or nil when it is absent or empty
/// (CouchDB clears the cookie with an empty value on logout and failed logins).
func authSessionCookie(fromSetCookie header: String) -> String? {
    guard let pair = header.split(separator: ";", maxSplits: 1).first else { return nil }
    let trimmed = pair.trimmingSpaces()
    guard trimmed.hasPrefix("AuthSession="), trimmed.count > "AuthSession=".count else { return nil }
    return String(trimmed)
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    func trimmingSpaces() -> Substring {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return slice
    }
}
