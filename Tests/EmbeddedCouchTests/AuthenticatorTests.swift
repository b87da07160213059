@testable import EmbeddedCouch
import JSON
import Testing

@Suite("Auth: authenticating requests and /_session")
struct AuthenticatorTests {
    let clock = ManualClock()
    let users = MemoryUsers()
    var auth: Authenticator { AuthFixture.authenticator(users: users, clock: clock) }

    @Test("basic auth: admin, a _users user with roles, wrong password, unknown user")
    func basic() async throws {
        try await users.add("alice", password: "alice-pw", roles: ["team"])
        let admin = try await auth.authenticate(AuthFixture.request(basic: ("admin", "admin"))).get()
        #expect(admin.user == UserContext(name: "admin", roles: ["_admin"]) && admin.handler == "default")
        let alice = try await auth.authenticate(AuthFixture.request(basic: ("alice", "alice-pw"))).get()
        #expect(alice.user == UserContext(name: "alice", roles: ["team"]) && alice.handler == "default")
        #expect(await auth.authenticate(AuthFixture.request(basic: ("alice", "bob-pw"))).error == Authenticator.incorrectCredentials)
        #expect(await auth.authenticate(AuthFixture.request(basic: ("nobody", "x"))).error == Authenticator.incorrectCredentials)
    }

    @Test("a verified password is cached; a wrong one after it still fails")
    func cachedPassword() async throws {
        try await users.add("alice", password: "alice-pw")
        let auth = self.auth
        for _ in 1...3 {
            #expect(await auth.authenticate(AuthFixture.request(basic: ("alice", "alice-pw"))).user?.name == "alice")
        }
        #expect(await auth.authenticate(AuthFixture.request(basic: ("alice", "alice-pw2"))).error == Authenticator.incorrectCredentials)
        // A new password (new salt and key) is not answered from the old entry.
        try await users.add("alice", password: "new-pw")
        #expect(await auth.authenticate(AuthFixture.request(basic: ("alice", "alice-pw"))).error == Authenticator.incorrectCredentials)
        #expect(await auth.authenticate(AuthFixture.request(basic: ("alice", "new-pw"))).user?.name == "alice")
    }

    @Test("no credentials is anonymous; a Bearer token is ignored; a malformed basic value is 500 badarg")
    func anonymousAndMalformed() async {
        let auth = self.auth
        let anonymous = await auth.authenticate(AuthFixture.request())
        #expect(anonymous.user == .anonymous)
        #expect(await auth.authenticate(AuthRequest(authorization: "Bearer some-token", clientAddress: "x")).user == .anonymous)
        let malformed = await auth.authenticate(AuthRequest(authorization: "Basic !!!not-base64", clientAddress: "x"))
        #expect(malformed.error == CouchHTTPError(status: 500, error: "unknown_error", reason: "badarg"))
    }

    @Test("without a configured admin, anonymous requests are admin (CouchDB's admin party)")
    func adminParty() async {
        let auth = AuthFixture.authenticator(admin: nil, users: users, clock: clock)
        #expect(await auth.authenticate(AuthFixture.request()).user == UserContext(name: nil, roles: ["_admin"]))
    }

    @Test("legacy documents verify: pbkdf2 with SHA-1 defaults and the simple scheme")
    func legacyDocuments() async throws {
        let key = PasswordHash.pbkdf2(password: Array("pw".utf8), salt: Array("salty".utf8), iterations: 10, prf: .sha)
        await users.put("old", [
            "_id": "org.couchdb.user:old", "name": "old", "roles": [], "type": "user",
            "password_scheme": "pbkdf2", "iterations": 10, "derived_key": .string(PasswordHash.hex(key)), "salt": "salty",
        ])
        await users.put("simple", [
            "_id": "org.couchdb.user:simple", "name": "simple", "roles": ["r"], "type": "user",
            "password_sha": .string(PasswordHash.simple(password: Array("pw".utf8), salt: Array("s".utf8))), "salt": "s",
        ])
        await users.put("badprf", [
            "name": "badprf", "password_scheme": "pbkdf2", "pbkdf2_prf": "md5", "derived_key": "00", "salt": "s",
        ])
        let auth = self.auth
        #expect(await auth.authenticate(AuthFixture.request(basic: ("old", "pw"))).user?.name == "old")
        #expect(await auth.authenticate(AuthFixture.request(basic: ("old", "pw2"))).error == Authenticator.incorrectCredentials)
        #expect(await auth.authenticate(AuthFixture.request(basic: ("simple", "pw"))).user == UserContext(name: "simple", roles: ["r"]))
        #expect(await auth.authenticate(AuthFixture.request(basic: ("badprf", "pw"))).error == .forbidden("PRF is invalid"))
    }

    @Test("a user document with conflicts cannot be used")
    func conflictedDocument() async throws {
        var doc = try await users.add("alice", password: "pw").objectValue ?? [:]
        doc["_conflicts"] = ["2-abc"]
        await users.put("alice", .object(doc))
        let result = await auth.authenticate(AuthFixture.request(basic: ("alice", "pw")))
        #expect(result.error?.status == 401)
    }

    @Test("GET /_session describes the user and how they authenticated")
    func sessionInfo() async throws {
        let auth = self.auth
        let admin = await auth.handleSession(method: "GET", request: AuthFixture.request(basic: ("admin", "admin")), contentType: nil, body: [])
        #expect(admin.status == 200)
        #expect(AuthFixture.json(admin) == [
            "ok": true, "userCtx": ["name": "admin", "roles": ["_admin"]],
            "info": ["authentication_handlers": ["cookie", "default"], "authenticated": "default"],
        ])
        let anonymous = await auth.handleSession(method: "GET", request: AuthFixture.request(), contentType: nil, body: [])
        #expect(AuthFixture.json(anonymous) == [
            "ok": true, "userCtx": ["name": nil, "roles": []], "info": ["authentication_handlers": ["cookie", "default"]],
        ])
        let forced = await auth.handleSession(method: "GET", request: AuthFixture.request(), contentType: nil, body: [], requireLogin: true)
        #expect(forced.status == 401 && AuthFixture.json(forced) == CouchHTTPError.unauthorized("Please login.").body)
        let forcedAdmin = await auth.handleSession(
            method: "GET", request: AuthFixture.request(basic: ("admin", "admin")), contentType: nil, body: [], requireLogin: true)
        #expect(forcedAdmin.status == 200)
        let bad = await auth.handleSession(method: "GET", request: AuthFixture.request(basic: ("nobody", "x")), contentType: nil, body: [])
        #expect(bad.status == 401 && AuthFixture.json(bad) == Authenticator.incorrectCredentials.body)
    }

    @Test("form login sets a cookie that authenticates; DELETE clears it on the client only")
    func formLoginAndLogout() async throws {
        let auth = self.auth
        let login = await auth.handleSession(
            method: "POST", request: AuthFixture.request(), contentType: "application/x-www-form-urlencoded",
            body: Array("name=admin&password=admin".utf8))
        #expect(login.status == 200)
        #expect(AuthFixture.json(login) == ["ok": true, "name": "admin", "roles": ["_admin"]])
        let setCookie = try #require(login.headers.first { $0.0 == "Set-Cookie" }?.1)
        #expect(setCookie.hasPrefix("AuthSession=") && setCookie.hasSuffix("; Version=1; Expires=Sun, 22-Nov-2026 02:33:57 GMT; Max-Age=600; Path=/; HttpOnly"))
        let cookie = try #require(AuthFixture.cookie(in: login))
        let viaCookie = try await auth.authenticate(AuthFixture.request(cookie: cookie)).get()
        #expect(viaCookie.user == UserContext(name: "admin", roles: ["_admin"]) && viaCookie.handler == "cookie")
        #expect(viaCookie.setCookie == nil)

        let logout = await auth.handleSession(method: "DELETE", request: AuthFixture.request(cookie: cookie), contentType: nil, body: [])
        #expect(logout.status == 200 && AuthFixture.json(logout) == ["ok": true])
        #expect(AuthFixture.cookie(in: logout) == "AuthSession=")
        #expect(await auth.authenticate(AuthFixture.request(cookie: cookie)).user?.name == "admin")
    }

    @Test("JSON login of a _users user; the cookie carries their roles")
    func jsonLogin() async throws {
        try await users.add("alice", password: "alice-pw", roles: ["team"])
        let auth = self.auth
        let login = await auth.handleSession(
            method: "POST", request: AuthFixture.request(), contentType: "application/json; charset=utf-8",
            body: Array(#"{"name":"alice","password":"alice-pw"}"#.utf8))
        #expect(AuthFixture.json(login) == ["ok": true, "name": "alice", "roles": ["team"]])
        let cookie = try #require(AuthFixture.cookie(in: login))
        #expect(await auth.authenticate(AuthFixture.request(cookie: cookie)).user == UserContext(name: "alice", roles: ["team"]))
        // A new password means a new salt: the old cookie no longer verifies and the request is anonymous.
        try await users.add("alice", password: "changed")
        #expect(await auth.authenticate(AuthFixture.request(cookie: cookie)).user == .anonymous)
    }

    @Test("failed and malformed logins")
    func badLogins() async {
        let auth = self.auth
        func post(_ contentType: String?, _ body: String) async -> CouchResponse {
            await auth.handleSession(method: "POST", request: AuthFixture.request(), contentType: contentType, body: Array(body.utf8))
        }
        let wrong = await post("application/x-www-form-urlencoded", "name=nobody&password=x")
        #expect(wrong.status == 401 && AuthFixture.json(wrong) == Authenticator.incorrectCredentials.body)
        #expect(AuthFixture.cookie(in: wrong) == "AuthSession=")
        let noPassword = await post("application/json", #"{"name":"nobody2"}"#)
        #expect(noPassword.status == 401)
        let noName = await post("application/x-www-form-urlencoded", "password=x")
        #expect(noName.status == 400 && AuthFixture.json(noName) == CouchHTTPError.badRequest("request body must contain a username").body)
        #expect(await post("application/json", "{}").status == 400)
        let twoNames = await post("application/json", #"{"name":"a","username":"b"}"#)
        #expect(AuthFixture.json(twoNames) == CouchHTTPError.badRequest("request body contains different usernames").body)
        let text = await post("text/plain", "name=admin&password=admin")
        #expect(text.status == 415)
        #expect(AuthFixture.json(text)?["error"] == "bad_content_type")
        #expect(await post(nil, "name=admin&password=admin").status == 415)
        #expect(await post("application/json", "{nope").status == 400)
        #expect(await post("application/json", #"{"name":1}"#).status == 500)
        // A URL-encoded password with escapes.
        let encoded = await post("application/x-www-form-urlencoded", "name=admin&password=adm%69n")
        #expect(encoded.status == 200)
    }

    @Test("forged, expired and unknown-user cookies")
    func badCookies() async throws {
        let auth = self.auth
        let forged = await auth.authenticate(AuthFixture.request(cookie: "AuthSession=bm90LWEtcmVhbC1jb29raWU"))
        #expect(forged.error == CouchHTTPError.badRequest("Malformed AuthSession cookie. Please clear your cookies."))
        // Forged MAC, unknown user: the request goes on without the cookie (basic still works).
        let fake = SessionCookie.make(user: "admin", time: clock.now, key: Array("wrong".utf8))
        #expect(await auth.authenticate(AuthFixture.request(cookie: "AuthSession=\(fake)")).user == .anonymous)
        let withBasic = await auth.authenticate(AuthFixture.request(basic: ("admin", "admin"), cookie: "AuthSession=\(fake)"))
        #expect(try withBasic.get().handler == "default")
        let ghost = SessionCookie.make(user: "ghost", time: clock.now, key: AuthFixture.secret)
        #expect(await auth.authenticate(AuthFixture.request(cookie: "AuthSession=\(ghost)")).user == .anonymous)

        let login = await auth.handleSession(
            method: "POST", request: AuthFixture.request(), contentType: "application/json",
            body: Array(#"{"name":"admin","password":"admin"}"#.utf8))
        let cookie = try #require(AuthFixture.cookie(in: login))
        clock.advance(by: 599)
        #expect(await auth.authenticate(AuthFixture.request(cookie: cookie)).user?.name == "admin")
        clock.advance(by: 1)
        #expect(await auth.authenticate(AuthFixture.request(cookie: cookie)).user == .anonymous)
    }

    @Test("a cookie past a tenth of its life is re-issued")
    func cookieRefresh() async throws {
        let auth = self.auth
        let login = await auth.handleSession(
            method: "POST", request: AuthFixture.request(), contentType: "application/json",
            body: Array(#"{"name":"admin","password":"admin"}"#.utf8))
        let cookie = try #require(AuthFixture.cookie(in: login))
        clock.advance(by: 60)
        #expect(try await auth.authenticate(AuthFixture.request(cookie: cookie)).get().setCookie == nil)
        clock.advance(by: 1)
        let refreshed = try #require(try await auth.authenticate(AuthFixture.request(cookie: cookie)).get().setCookie)
        let fresh = String(refreshed.prefix { $0 != ";" })
        #expect(fresh != cookie)
        clock.advance(by: 580)
        #expect(await auth.authenticate(AuthFixture.request(cookie: fresh)).user?.name == "admin")
        #expect(await auth.authenticate(AuthFixture.request(cookie: cookie)).user == .anonymous)
    }

    @Test("other methods are 405 with Allow; bad credentials end the request before the handler")
    func methods() async {
        let auth = self.auth
        let put = await auth.handleSession(method: "PUT", request: AuthFixture.request(), contentType: nil, body: [])
        #expect(put.status == 405)
        #expect(put.headers.contains { $0.0 == "Allow" && $0.1 == "GET,HEAD,POST,DELETE" })
        let deleteWithBadBasic = await auth.handleSession(
            method: "DELETE", request: AuthFixture.request(basic: ("admin", "wrong")), contentType: nil, body: [])
        #expect(deleteWithBadBasic.status == 401)
    }

    @Test("admin cookies survive a restart with the same secret and die with a new admin password")
    func adminSalt() async throws {
        let first = self.auth
        let login = await first.handleSession(
            method: "POST", request: AuthFixture.request(), contentType: "application/json",
            body: Array(#"{"name":"admin","password":"admin"}"#.utf8))
        let cookie = try #require(AuthFixture.cookie(in: login))
        let restarted = AuthFixture.authenticator(users: users, clock: clock)
        #expect(await restarted.authenticate(AuthFixture.request(cookie: cookie)).user?.name == "admin")
        let newPassword = AuthFixture.authenticator(admin: ServerAdmin(name: "admin", password: "other"), users: users, clock: clock)
        #expect(await newPassword.authenticate(AuthFixture.request(cookie: cookie)).user == .anonymous)
    }
}
