import JSON

extension Authenticator {
    /// `/_session`: GET (and HEAD) describe the request's user, POST logs in with a form or JSON
    /// body and sets an AuthSession cookie, DELETE clears the cookie on the client. Other
    /// methods are 405 with `Allow`. The request is authenticated first, as every CouchDB
    /// request is, so bad credentials end it before the handler runs. `requireLogin` is
    /// `?basic=true`: an anonymous GET is then 401 "Please login.".
    func handleSession(
        method: String, request: AuthRequest, contentType: String?, body: [UInt8], requireLogin: Bool = false
    ) async -> CouchResponse {
        let authentication: Authentication
        switch await authenticate(request) {
        case .failure(let error): return CouchResponse(error)
        case .success(let value): authentication = value
        }
        switch method {
        case "GET", "HEAD":
            if requireLogin && authentication.user.name == nil {
                return CouchResponse(.unauthorized("Please login."))
            }
            return sessionInfo(authentication)
        case "POST":
            do {
                return try await login(request: request, contentType: contentType, body: body)
            } catch {
                return CouchResponse(error)
            }
        case "DELETE":
            return CouchResponse(status: 200, headers: [("Set-Cookie", clearedCookie())], json: ["ok": true])
        default:
            return CouchResponse(CouchHTTPError(
                status: 405, error: "method_not_allowed", reason: "Only GET,HEAD,POST,DELETE allowed",
                headers: [("Allow", "GET,HEAD,POST,DELETE")]))
        }
    }

    private func sessionInfo(_ authentication: Authentication) -> CouchResponse {
        let user = authentication.user
        var info: JSONObject = ["authentication_handlers": .array(Self.handlerNames.map { .string($0) })]
        if let handler = authentication.handler { info["authenticated"] = .string(handler) }
        let body: JSONValue = [
            "ok": true,
            "userCtx": ["name": user.name.map { .string($0) } ?? .null, "roles": .array(user.roles.map { .string($0) })],
            "info": .object(info),
        ]
        let headers = authentication.setCookie.map { [("Set-Cookie", $0)] } ?? []
        return CouchResponse(status: 200, headers: headers, json: body)
    }

    private func login(request: AuthRequest, contentType: String?, body: [UInt8]) async throws(CouchHTTPError) -> CouchResponse {
        let form = try LoginForm(contentType: contentType, body: body)
        let name = try form.userName()
        let password = form["password"] ?? ""
        // Unknown names get empty credentials, so their failures count towards lockout too.
        let credentials = try await credentials(for: name) ?? .nobody(name: name)
        guard try await check(password: password, against: credentials, from: request.clientAddress) else {
            return CouchResponse(
                status: 401, headers: [("Set-Cookie", clearedCookie())], json: Self.incorrectCredentials.body)
        }
        let now = options.clock.now()
        let value = SessionCookie.make(
            user: name, time: now, key: SessionCookie.key(secret: secret, salt: credentials.salt))
        let cookie = SessionCookie.setCookieHeader(value: value, now: now, maxAge: options.cookieLifetime)
        return CouchResponse(status: 200, headers: [("Set-Cookie", cookie)], json: [
            "ok": true, "name": .string(name), "roles": .array(credentials.roles.map { .string($0) }),
        ])
    }

    /// The empty AuthSession cookie CouchDB sends on logout and failed logins.
    private func clearedCookie() -> String {
        SessionCookie.setCookieHeader(value: "", now: options.clock.now(), maxAge: options.cookieLifetime)
    }
}

/// The fields of a `POST /_session` body: a URL-encoded form or a JSON object of strings.
struct LoginForm: Sendable {
    /// The fields in body order; lookups take the first occurrence, as CouchDB's do.
    var fields: [(String, String)]

    init(fields: [(String, String)]) {
        self.fields = fields
    }

    /// Reads the body according to its content type; CouchDB's errors for anything else.
    init(contentType: String?, body: [UInt8]) throws(CouchHTTPError) {
        let primary = (contentType ?? "").split(separator: ";", maxSplits: 1).first
            .map { $0.filter { $0 != " " && $0 != "\t" }.lowercased() } ?? ""
        if primary.hasPrefix("application/x-www-form-urlencoded") {
            fields = Self.parseQuery(body)
        } else if primary.hasPrefix("application/json") {
            let value: JSONValue
            do {
                value = try JSONParser.parse(body)
            } catch {
                throw .badRequest("invalid UTF-8 JSON")
            }
            // CouchDB pattern-matches an object and converts every value to a string; anything
            // else crashes the handler with a 500.
            guard let object = value.objectValue else {
                throw CouchHTTPError(status: 500, error: "unknown_error", reason: "badmatch")
            }
            var fields: [(String, String)] = []
            for (key, member) in object {
                guard let text = member.stringValue else {
                    throw CouchHTTPError(status: 500, error: "unknown_error", reason: "badarg")
                }
                fields.append((key, text))
            }
            self.fields = fields
        } else {
            throw CouchHTTPError(
                status: 415, error: "bad_content_type",
                reason: "Content-Type must be 'application/x-www-form-urlencoded' or 'application/json'")
        }
    }

    subscript(key: String) -> String? {
        fields.first { $0.0 == key }?.1
    }

    /// `name`, or `username` (CouchDB accepts either, but not two different ones).
    func userName() throws(CouchHTTPError) -> String {
        switch (self["name"], self["username"]) {
        case (nil, nil): throw .badRequest("request body must contain a username")
        case (let name?, nil): return name
        case (nil, let name?): return name
        case (let name?, let other?):
            guard name == other else { throw .badRequest("request body contains different usernames") }
            return name
        }
    }

    /// `application/x-www-form-urlencoded`: `&`/`;`-separated pairs, `+` as space, `%XX` escapes.
    static func parseQuery(_ body: [UInt8]) -> [(String, String)] {
        body.split(whereSeparator: { $0 == UInt8(ascii: "&") || $0 == UInt8(ascii: ";") }).map { pair in
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            return (unescape(parts[0]), parts.count > 1 ? unescape(parts[1]) : "")
        }
    }

    private static func unescape(_ bytes: ArraySlice<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), index + 2 < bytes.endIndex,
                      let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) {
                out.append(high << 4 | low)
                index += 2
            } else {
                out.append(byte)
            }
            index += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
