import Foundation
import JSON
import Testing
import TestSupport

/// Users, sessions and `_security` over a real loopback connection; the same tests pass against
/// Apache CouchDB when `GASP_TEST_COUCHDB_URL` is set. They never fail an admin login (that
/// would lock the admin out of a real server for minutes).
@Suite("Auth over HTTP")
struct AuthHTTPTests {
    private static func basic(_ name: String, _ password: String) -> (String, String) {
        ("Authorization", "Basic " + Data("\(name):\(password)".utf8).base64EncodedString())
    }

    /// A fresh user and database (members: that user), removed afterwards.
    private func withUserAndDatabase(
        _ body: @Sendable (HTTPTestClient, _ user: String, _ db: String) async throws -> Void
    ) async throws {
        try await withTestCouch { couch in
            let client = HTTPTestClient(couch: couch)
            let user = couch.uniqueDatabaseName("gasp_user")
            let db = couch.uniqueDatabaseName()
            let userPath = "/_users/org.couchdb.user:\(user)"
            let created = try await client.send(.PUT, userPath, json: [
                "name": .string(user), "password": "user-pw", "roles": ["gasp_team"], "type": "user",
            ])
            #expect(created.status == 201)
            #expect(try await client.send(.PUT, "/\(db)?q=1").status == 201)
            let cleanUp: @Sendable () async -> Void = {
                _ = try? await client.send(.DELETE, "/\(db)")
                if let rev = try? await client.send(.GET, userPath).json?["_rev"]?.stringValue {
                    _ = try? await client.send(.DELETE, "\(userPath)?rev=\(rev)")
                }
            }
            do {
                try await body(client, user, db)
            } catch {
                await cleanUp()
                throw error
            }
            await cleanUp()
        }
    }

    @Test("a _users password is stored hashed, and the user authenticates with basic auth")
    func userDocumentAndBasicAuth() async throws {
        try await withUserAndDatabase { client, user, _ in
            let stored = try await client.send(.GET, "/_users/org.couchdb.user:\(user)")
            #expect(stored.json?["password"] == nil)
            #expect(stored.json?["password_scheme"] == "pbkdf2")
            #expect(stored.json?["derived_key"]?.stringValue?.isEmpty == false)
            #expect(stored.json?["salt"]?.stringValue?.isEmpty == false)

            let session = try await client.send(.GET, "/_session", headers: [Self.basic(user, "user-pw")], admin: false)
            #expect(session.status == 200)
            #expect(session.json?["userCtx"] == ["name": .string(user), "roles": ["gasp_team"]])
            #expect(session.json?["info"]?["authenticated"] == "default")

            let wrong = try await client.send(.GET, "/_session", headers: [Self.basic(user, "nope")], admin: false)
            #expect(wrong.status == 401)
            #expect(wrong.json == ["error": "unauthorized", "reason": "Name or password is incorrect."])
        }
    }

    @Test("_security: admin-only by default, then members by name; design docs need a db admin")
    func securityMembers() async throws {
        try await withUserAndDatabase { client, user, db in
            let asUser = [Self.basic(user, "user-pw")]
            let denied = try await client.send(.GET, "/\(db)", headers: asUser, admin: false)
            #expect(denied.status == 403)
            #expect(denied.json?["reason"] == "You are not allowed to access this db.")
            let anonymous = try await client.send(.GET, "/\(db)", admin: false)
            #expect(anonymous.status == 401)
            #expect(anonymous.json?["reason"] == "You are not authorized to access this db.")

            let security: JSONValue = ["admins": ["names": [], "roles": []], "members": ["names": .array([.string(user)]), "roles": []]]
            #expect(try await client.send(.PUT, "/\(db)/_security", json: security).status == 200)
            #expect(try await client.send(.GET, "/\(db)", headers: asUser, admin: false).status == 200)
            #expect(try await client.send(.PUT, "/\(db)/doc", json: ["by": "user"], headers: asUser, admin: false).status == 201)
            let design = try await client.send(.PUT, "/\(db)/_design/d", json: ["views": [:]], headers: asUser, admin: false)
            #expect(design.status == 403)
            #expect(design.json?["reason"] == "You are not a db or server admin.")
            let changeSecurity = try await client.send(.PUT, "/\(db)/_security", json: [:], headers: asUser, admin: false)
            #expect(changeSecurity.status == 500)
            #expect(changeSecurity.json?["reason"] == "no_majority")
        }
    }

    @Test("cookie login: the AuthSession cookie authenticates until it is dropped by the client")
    func cookieSession() async throws {
        try await withUserAndDatabase { client, user, db in
            let login = try await client.send(
                .POST, "/_session", raw: Array("name=\(user)&password=user-pw".utf8),
                headers: [("Content-Type", "application/x-www-form-urlencoded")], admin: false)
            #expect(login.status == 200)
            #expect(login.json == ["ok": true, "name": .string(user), "roles": ["gasp_team"]])
            let setCookie = try #require(login.headers.first(name: "Set-Cookie"))
            #expect(setCookie.hasPrefix("AuthSession=") && setCookie.contains("Max-Age=600") && setCookie.contains("HttpOnly"))
            let cookie = String(setCookie.prefix { $0 != ";" })

            let session = try await client.send(.GET, "/_session", headers: [("Cookie", cookie)], admin: false)
            #expect(session.json?["userCtx"]?["name"] == .string(user))
            #expect(session.json?["info"]?["authenticated"] == "cookie")
            // A member of nothing yet: the cookie user gets the named user's 403.
            #expect(try await client.send(.GET, "/\(db)", headers: [("Cookie", cookie)], admin: false).status == 403)

            let logout = try await client.send(.DELETE, "/_session", headers: [("Cookie", cookie)], admin: false)
            #expect(logout.status == 200)
            #expect(logout.headers.first(name: "Set-Cookie")?.hasPrefix("AuthSession=;") == true)

            let forged = try await client.send(.GET, "/_session", headers: [("Cookie", "AuthSession=bm90LWEtcmVhbC1jb29raWU")], admin: false)
            #expect(forged.status == 400)
            #expect(forged.json?["reason"] == "Malformed AuthSession cookie. Please clear your cookies.")

            let failed = try await client.send(.POST, "/_session", json: ["name": .string(user), "password": "wrong"], admin: false)
            #expect(failed.status == 401)
            #expect(failed.headers.first(name: "Set-Cookie")?.hasPrefix("AuthSession=;") == true)
        }
    }
}
