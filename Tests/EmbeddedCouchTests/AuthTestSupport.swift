@testable import EmbeddedCouch
import JSON
import Synchronization

/// A wall clock that only moves when a test moves it.
final class ManualClock: Sendable {
    private let seconds: Atomic<Int64>

    init(_ start: Int64 = 1_795_314_237) {
        seconds = Atomic(start)
    }

    var now: Int64 { seconds.load(ordering: .relaxed) }

    func advance(by delta: Int64) {
        seconds.add(delta, ordering: .relaxed)
    }

    var authClock: AuthClock { AuthClock { [self] in self.now } }
}

/// `_users` in memory: documents prepared by `UsersDatabaseRules` as the store would.
actor MemoryUsers: UserDirectory {
    private var documents: [String: JSONValue] = [:]

    func userDocument(name: String) async throws -> JSONValue? {
        documents[name]
    }

    /// Stores a user created by the server admin, hashing the password as the store does.
    @discardableResult
    func add(_ name: String, password: String, roles: [String] = [], iterations: Int = 1_000) throws -> JSONValue {
        let doc: JSONValue = [
            "_id": .string(UsersDatabaseRules.idPrefix + name), "name": .string(name),
            "password": .string(password), "roles": .array(roles.map { .string($0) }), "type": "user",
        ]
        let prepared = try UsersDatabaseRules.prepare(
            newDoc: doc, oldDoc: nil, user: UserContext(name: "admin", roles: ["_admin"]), iterations: iterations)
        documents[name] = prepared
        return prepared
    }

    func put(_ name: String, _ document: JSONValue) {
        documents[name] = document
    }

    func remove(_ name: String) {
        documents[name] = nil
    }
}

enum AuthFixture {
    static let secret = Array("a test secret of some length".utf8)
    static let address = "127.0.0.1"

    static func authenticator(
        admin: ServerAdmin? = ServerAdmin(name: "admin", password: "admin"),
        users: MemoryUsers, clock: ManualClock
    ) -> Authenticator {
        var options = AuthOptions()
        options.clock = clock.authClock
        return Authenticator(admin: admin, secret: secret, users: users, options: options)
    }

    static func basic(_ name: String, _ password: String) -> String {
        "Basic " + Base64.encode(Array("\(name):\(password)".utf8))
    }

    static func request(basic: (String, String)? = nil, cookie: String? = nil, from address: String = address) -> AuthRequest {
        AuthRequest(authorization: basic.map { Self.basic($0.0, $0.1) }, cookie: cookie, clientAddress: address)
    }

    /// The `name=value` part of a `Set-Cookie` header in a response.
    static func cookie(in response: CouchResponse) -> String? {
        response.headers.first { $0.0 == "Set-Cookie" }.map { String($0.1.prefix { $0 != ";" }) }
    }

    static func json(_ response: CouchResponse) -> JSONValue? {
        if case .json(let value) = response.body { return value }
        return nil
    }
}

extension Result where Success == Authentication, Failure == CouchHTTPError {
    /// The error, if authentication failed.
    var error: CouchHTTPError? {
        if case .failure(let error) = self { return error }
        return nil
    }

    /// The user, if authentication succeeded.
    var user: UserContext? {
        if case .success(let authentication) = self { return authentication.user }
        return nil
    }
}
