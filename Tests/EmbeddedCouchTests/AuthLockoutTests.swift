@testable import EmbeddedCouch
import JSON
import Testing

@Suite("Auth: account lockout")
struct AuthLockoutTests {
    let key = LoginLockout.Key(clientAddress: "10.0.0.1", name: "locky", salt: "s1")

    @Test("five failures lock the key until five minutes after the first failure")
    func countingAndExpiry() async {
        let clock = ManualClock()
        let lockout = LoginLockout(clock: clock.authClock)
        for _ in 1...4 { await lockout.recordFailure(key) }
        #expect(await lockout.isLocked(key) == false)
        clock.advance(by: 100)
        await lockout.recordFailure(key)
        #expect(await lockout.isLocked(key))
        clock.advance(by: 199)
        #expect(await lockout.isLocked(key))
        clock.advance(by: 1)
        #expect(await lockout.isLocked(key) == false)
        #expect(await lockout.failures(key) == 0)
    }

    @Test("the counter is per address, name and salt")
    func keyed() async {
        let lockout = LoginLockout(clock: ManualClock().authClock)
        for _ in 1...5 { await lockout.recordFailure(key) }
        #expect(await lockout.isLocked(key))
        var otherAddress = key
        otherAddress.clientAddress = "10.0.0.2"
        var otherSalt = key
        otherSalt.salt = "s2"
        var otherName = key
        otherName.name = "other"
        for other in [otherAddress, otherSalt, otherName] {
            #expect(await lockout.isLocked(other) == false)
        }
    }

    @Test("a zero threshold turns lockout off")
    func off() async {
        let lockout = LoginLockout(threshold: 0, clock: ManualClock().authClock)
        for _ in 1...10 { await lockout.recordFailure(key) }
        #expect(await lockout.isLocked(key) == false)
    }

    @Test("a full table forgets the oldest counters, not the newest")
    func capacity() async {
        let clock = ManualClock()
        let lockout = LoginLockout(capacity: 4, clock: clock.authClock)
        for index in 0..<4 {
            await lockout.recordFailure(.init(clientAddress: "a", name: "n\(index)", salt: ""))
            clock.advance(by: 1)
        }
        await lockout.recordFailure(.init(clientAddress: "a", name: "new", salt: ""))
        #expect(await lockout.failures(.init(clientAddress: "a", name: "new", salt: "")) == 1)
        #expect(await lockout.failures(.init(clientAddress: "a", name: "n3", salt: "")) == 1)
        #expect(await lockout.failures(.init(clientAddress: "a", name: "n0", salt: "")) == 0)
    }

    @Test("auth_lockout as recorded: basic and cookie failures add up; then 403 even with the right password")
    func recordedScenario() async throws {
        let clock = ManualClock()
        let users = MemoryUsers()
        try await users.add("conf_locky", password: "locky-pw")
        let auth = AuthFixture.authenticator(users: users, clock: clock)
        func basic(_ password: String) async -> Result<Authentication, CouchHTTPError> {
            await auth.authenticate(AuthFixture.request(basic: ("conf_locky", password)))
        }
        func login(_ name: String, _ password: String) async -> CouchResponse {
            let body = JSONValue.object(["name": .string(name), "password": .string(password)]).serializedBytes()
            return await auth.handleSession(
                method: "POST", request: AuthFixture.request(), contentType: "application/json", body: body)
        }
        #expect(try await basic("locky-pw").get().user.name == "conf_locky")
        #expect(await basic("wrong-1").error == Authenticator.incorrectCredentials)
        #expect(await basic("wrong-2").error == Authenticator.incorrectCredentials)
        #expect(await login("conf_locky", "wrong-3").status == 401)
        #expect(await basic("wrong-4").error == Authenticator.incorrectCredentials)
        #expect(try await basic("locky-pw").get().user.name == "conf_locky")
        #expect(await basic("wrong-5").error == Authenticator.incorrectCredentials)
        #expect(await basic("locky-pw").error == LoginLockout.lockedError)
        let locked = await login("conf_locky", "locky-pw")
        #expect(locked.status == 403)
        #expect(AuthFixture.json(locked) == LoginLockout.lockedError.body)
        #expect(await basic("wrong-6").error == LoginLockout.lockedError)
        // Another client address is not locked.
        let elsewhere = await auth.authenticate(AuthFixture.request(basic: ("conf_locky", "locky-pw"), from: "10.1.1.1"))
        #expect(try elsewhere.get().user.name == "conf_locky")
        // A user recreated with a new password (new salt) starts afresh.
        await users.remove("conf_locky")
        try await users.add("conf_locky", password: "locky-pw")
        #expect(try await basic("locky-pw").get().user.name == "conf_locky")
        // And the lock expires.
        for _ in 1...5 { _ = await basic("wrong") }
        #expect(await basic("locky-pw").error == LoginLockout.lockedError)
        clock.advance(by: 300)
        #expect(try await basic("locky-pw").get().user.name == "conf_locky")
    }

    @Test("basic auth never counts unknown names; cookie login does")
    func unknownNames() async {
        let auth = AuthFixture.authenticator(users: MemoryUsers(), clock: ManualClock())
        for _ in 1...6 {
            #expect(await auth.authenticate(AuthFixture.request(basic: ("ghost", "x"))).error == Authenticator.incorrectCredentials)
        }
        let body = Array(#"{"name":"ghost","password":"x"}"#.utf8)
        for _ in 1...5 {
            let response = await auth.handleSession(method: "POST", request: AuthFixture.request(), contentType: "application/json", body: body)
            #expect(response.status == 401)
        }
        let sixth = await auth.handleSession(method: "POST", request: AuthFixture.request(), contentType: "application/json", body: body)
        #expect(sixth.status == 403)
        // Basic auth for the same unknown name still says 401: no lockout check without a user.
        #expect(await auth.authenticate(AuthFixture.request(basic: ("ghost", "x"))).error == Authenticator.incorrectCredentials)
    }

    @Test("the server admin is locked out too")
    func adminLockout() async throws {
        let auth = AuthFixture.authenticator(users: MemoryUsers(), clock: ManualClock())
        for _ in 1...5 { _ = await auth.authenticate(AuthFixture.request(basic: ("admin", "nope"))) }
        #expect(await auth.authenticate(AuthFixture.request(basic: ("admin", "admin"))).error == LoginLockout.lockedError)
    }
}

