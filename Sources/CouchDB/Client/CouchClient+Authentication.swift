import JSON
import NIOHTTP1

extension CouchClient {
    /// Adds the credentials to `headers`; returns the session cookie sent, if any.
    func authenticate(_ headers: inout HTTPHeaders, method: String, path: String) async throws(CouchError) -> String? {
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
}
