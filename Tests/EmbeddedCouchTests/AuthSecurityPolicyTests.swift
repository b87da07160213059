@testable import EmbeddedCouch
import JSON
import Testing

@Suite("Auth: _security enforcement")
struct AuthSecurityPolicyTests {
    static let admin = UserContext(name: "admin", roles: ["_admin"])
    static let anonymous = UserContext.anonymous
    static let alice = UserContext(name: "alice", roles: ["team"])
    static let bob = UserContext(name: "bob", roles: [])

    static let notAuthorized = CouchHTTPError.unauthorized("You are not authorized to access this db.")
    static let notAllowed = CouchHTTPError.forbidden("You are not allowed to access this db.")

    func check(_ user: UserContext, _ access: DatabaseAccess, _ security: JSONValue) -> CouchHTTPError? {
        SecurityPolicy.authorize(user, access, security: security, database: "db")
    }

    @Test("the default object is admin-only: anonymous 401, users 403, server admin allowed")
    func adminOnly() {
        let security = SecurityPolicy.defaultSecurityObject
        #expect(security == ["members": ["roles": ["_admin"]], "admins": ["roles": ["_admin"]]])
        for access in [DatabaseAccess.read, .write, .designWrite, .admin] {
            #expect(check(Self.admin, access, security) == nil)
            #expect(check(Self.anonymous, access, security) == Self.notAuthorized)
            #expect(check(Self.alice, access, security) == Self.notAllowed)
        }
    }

    @Test("an empty object (or empty member lists) makes a public database, but design writes need an admin")
    func publicDatabase() {
        for security: JSONValue in [[:], ["members": ["names": [], "roles": []], "admins": ["names": ["bob"]]]] {
            #expect(check(Self.anonymous, .read, security) == nil)
            #expect(check(Self.anonymous, .write, security) == nil)
            #expect(check(Self.alice, .write, security) == nil)
            #expect(check(Self.anonymous, .designWrite, security) == .unauthorized("You are not a db or server admin."))
            #expect(check(Self.alice, .designWrite, security) == .forbidden("You are not a db or server admin."))
            #expect(check(Self.anonymous, .admin, security) == SecurityPolicy.noMajority)
            #expect(check(Self.admin, .designWrite, security) == nil)
        }
    }

    @Test("members by name and by role; db admins are members; only admins write design docs")
    func membersAndAdmins() {
        let byName: JSONValue = ["admins": ["names": [], "roles": []], "members": ["names": ["alice"], "roles": []]]
        #expect(check(Self.alice, .read, byName) == nil)
        #expect(check(Self.alice, .write, byName) == nil)
        #expect(check(Self.bob, .read, byName) == Self.notAllowed)
        #expect(check(Self.anonymous, .read, byName) == Self.notAuthorized)
        #expect(check(Self.alice, .designWrite, byName) == .forbidden("You are not a db or server admin."))
        #expect(check(Self.alice, .admin, byName) == SecurityPolicy.noMajority)

        let byRole: JSONValue = ["admins": ["names": ["bob"], "roles": []], "members": ["names": [], "roles": ["team"]]]
        #expect(check(Self.alice, .read, byRole) == nil)
        #expect(check(Self.bob, .read, byRole) == nil)
        #expect(check(Self.bob, .designWrite, byRole) == nil)
        #expect(check(Self.bob, .admin, byRole) == nil)
        #expect(check(Self.alice, .designWrite, byRole) == .forbidden("You are not a db or server admin."))
        #expect(check(UserContext(name: "carol", roles: ["other"]), .read, byRole) == Self.notAllowed)

        let adminRole: JSONValue = ["admins": ["roles": ["ops"]], "members": ["names": ["x"]]]
        #expect(check(UserContext(name: "o", roles: ["ops"]), .designWrite, adminRole) == nil)
        let legacyReaders: JSONValue = ["readers": ["names": ["alice"]]]
        #expect(check(Self.alice, .read, legacyReaders) == nil)
        #expect(check(Self.bob, .read, legacyReaders) == Self.notAllowed)
    }

    @Test("server-admin-only operations")
    func serverAdmin() {
        #expect(SecurityPolicy.requireServerAdmin(Self.admin) == nil)
        #expect(SecurityPolicy.requireServerAdmin(Self.alice) == .unauthorized("You are not a server admin."))
        #expect(SecurityPolicy.requireServerAdmin(Self.anonymous) == .unauthorized("You are not a server admin."))
    }

    @Test("security objects: valid ones pass, malformed ones are no_majority", arguments: [
        (#"{}"#, true),
        (#"{"admins":{"names":["x"],"roles":["y"]},"members":{"names":["z"],"roles":["w"]}}"#, true),
        (#"{"members":{"roles":["team"]},"extra":{"kept":true}}"#, true),
        (#"{"admins":{}}"#, true),
        (#"{"admins":{"names":"conf_x"}}"#, false),
        (#"{"members":{"names":[1,2]}}"#, false),
        (#"{"members":{"roles":[null]}}"#, false),
        (#"{"members":[]}"#, false),
        (#"{"admins":null}"#, false),
        (#"{"readers":{"names":1}}"#, false),
        (#"[]"#, false),
        (#""text""#, false),
    ])
    func validation(text: String, valid: Bool) throws {
        let object = try JSONParser.parse(text)
        #expect((SecurityPolicy.validateSecurityObject(object) == nil) == valid)
        if !valid {
            #expect(SecurityPolicy.validateSecurityObject(object) == CouchHTTPError(status: 500, error: "error", reason: "no_majority"))
        }
    }
}
