@testable import CouchDB
import JSON
import Testing

@Suite("Authentication (scripted server)")
struct AuthenticationTests {
    static let welcome: JSONValue = ["couchdb": "Welcome", "version": "3.4.3"]
    static let loginOK: JSONValue = ["ok": true, "name": "admin", "roles": ["_admin"]]
    static let badPassword: JSONValue = ["error": "unauthorized", "reason": "Name or password is incorrect."]

    @Test("Basic credentials go in the Authorization header, never in the URL")
    func basicHeader() async throws {
        let transport = ScriptedTransport([.respond(200, Self.welcome)])
        let client = try scriptedClient(transport, credentials: .basic(name: "admin", password: "s3cret"))
        _ = try await client.serverInfo()
        let request = try #require(await transport.requests.first)
        #expect(request.headers.first(name: "Authorization") == "Basic " + Base64.encode(Array("admin:s3cret".utf8)))
        #expect(!request.url.contains("s3cret"))
    }

    @Test("a rejected password is reported once and never presented again")
    func credentialRejectionIsLatched() async throws {
        let transport = ScriptedTransport([.respond(401, Self.badPassword)], fallback: { _ in
            TransportResponse(status: 200, body: Self.welcome.serializedBytes())
        })
        let client = try scriptedClient(transport, credentials: .basic(name: "admin", password: "wrong"))
        let first = await #expect(throws: CouchError.self) { try await client.serverInfo() }
        #expect(first?.code == .unauthorized)
        #expect(first?.isCredentialRejection == true)
        #expect(first.map { !String(describing: $0).contains("wrong") } == true)
        // A copy of the client shares the latch; nothing more reaches the server.
        let copy = client
        let second = await #expect(throws: CouchError.self) { try await copy.database("db").info() }
        #expect(second?.code == .unauthorized)
        #expect(await transport.count == 1)

        await client.resetAuthentication()
        _ = try await client.serverInfo()
        #expect(await transport.count == 2)
    }

    @Test("a 401 from validate_doc_update is an error for that write only")
    func validationUnauthorizedIsNotLatched() async throws {
        let transport = ScriptedTransport(
            [.respond(401, ["error": "unauthorized", "reason": "team members only"])],
            fallback: { _ in TransportResponse(status: 200, body: Self.welcome.serializedBytes()) })
        let client = try scriptedClient(transport)
        let error = await #expect(throws: CouchError.self) { try await client.database("db").put(["_id": "a"]) }
        #expect(error?.code == .unauthorized)
        #expect(error?.isCredentialRejection == false)
        _ = try await client.serverInfo()
        #expect(await transport.count == 2)
    }

    @Test("cookie auth logs in once for many concurrent requests and sends the cookie")
    func cookieLoginIsShared() async throws {
        let transport = ScriptedTransport([.respond(200, Self.loginOK, headers: [sessionCookieHeader("c1")])], fallback: { _ in
            TransportResponse(status: 200, body: Self.welcome.serializedBytes())
        })
        let client = try scriptedClient(transport, credentials: .cookie(name: "admin", password: "s3cret"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 { group.addTask { _ = try await client.serverInfo() } }
            try await group.waitForAll()
        }
        let requests = await transport.requests
        #expect(requests.count == 9)
        let logins = requests.filter { $0.url.hasSuffix("/_session") }
        #expect(logins.count == 1)
        let login = try #require(logins.first)
        #expect(login.method == .POST)
        #expect(login.headers.first(name: "Authorization") == nil)
        let body = try JSONParser.parse(try #require(login.body))
        #expect(body == ["name": "admin", "password": "s3cret"])
        for request in requests where !request.url.hasSuffix("/_session") {
            #expect(request.headers.first(name: "Cookie") == "AuthSession=c1")
        }
    }

    @Test("an expired cookie (401) makes the client log in again and resend")
    func expiredCookieRelogin() async throws {
        let transport = ScriptedTransport([
            .respond(200, Self.loginOK, headers: [sessionCookieHeader("c1")]),
            .respond(200, Self.welcome),
            .respond(401, ["error": "unauthorized", "reason": "You are not authorized to access this db."]),
            .respond(200, Self.loginOK, headers: [sessionCookieHeader("c2")]),
            .respond(200, ["db_name": "db", "doc_count": 0, "doc_del_count": 0, "update_seq": "0"]),
        ])
        let client = try scriptedClient(transport, credentials: .cookie(name: "admin", password: "s3cret"))
        _ = try await client.serverInfo()
        let info = try await client.database("db").info()
        #expect(info.name == "db")
        let requests = await transport.requests
        #expect(requests.count == 5)
        #expect(requests[2].headers.first(name: "Cookie") == "AuthSession=c1")
        #expect(requests[3].url.hasSuffix("/_session"))
        #expect(requests[4].headers.first(name: "Cookie") == "AuthSession=c2")
    }

    @Test("a refreshed cookie from Set-Cookie is used for later requests")
    func refreshedCookieIsAdopted() async throws {
        let transport = ScriptedTransport([
            .respond(200, Self.loginOK, headers: [sessionCookieHeader("c1")]),
            .respond(200, Self.welcome, headers: [sessionCookieHeader("c1-refreshed")]),
            .respond(200, Self.welcome),
        ])
        let client = try scriptedClient(transport, credentials: .cookie(name: "admin", password: "s3cret"))
        _ = try await client.serverInfo()
        _ = try await client.serverInfo()
        let requests = await transport.requests
        #expect(requests.last?.headers.first(name: "Cookie") == "AuthSession=c1-refreshed")
    }

    @Test("a rejected cookie login is latched: no second POST /_session")
    func cookieLoginRejectionIsLatched() async throws {
        let transport = ScriptedTransport(
            [.respond(401, Self.badPassword, headers: [("Set-Cookie", "AuthSession=; Version=1; Path=/; HttpOnly")])],
            fallback: { _ in TransportResponse(status: 200, body: Self.loginOK.serializedBytes()) })
        let client = try scriptedClient(transport, credentials: .cookie(name: "admin", password: "wrong"))
        for _ in 0..<3 {
            let error = await #expect(throws: CouchError.self) { try await client.serverInfo() }
            #expect(error?.code == .unauthorized)
        }
        #expect(await transport.count == 1)
    }

    @Test("the account lockout (403) is treated as a credential rejection")
    func lockoutIsLatched() async throws {
        let transport = ScriptedTransport(
            [.respond(403, ["error": "forbidden", "reason": "Account is temporarily locked due to multiple authentication failures"])],
            fallback: { _ in TransportResponse(status: 200, body: Self.welcome.serializedBytes()) })
        let client = try scriptedClient(transport)
        let error = await #expect(throws: CouchError.self) { try await client.serverInfo() }
        #expect(error?.code == .forbidden)
        await #expect(throws: CouchError.self) { try await client.serverInfo() }
        #expect(await transport.count == 1)
    }

    @Test("credentials never show in descriptions")
    func credentialsAreRedacted() throws {
        let credentials = CouchCredentials.cookie(name: "admin", password: "hunter2")
        #expect(!String(describing: credentials).contains("hunter2"))
        var dumped = ""
        dump(credentials, to: &dumped)
        #expect(!dumped.contains("hunter2"))
        let error = #expect(throws: CouchError.self) { try CouchClient.split(url: "ftp://admin:hunter2@host") }
        #expect(error.map { !String(describing: $0).contains("hunter2") } == true)
    }
}
