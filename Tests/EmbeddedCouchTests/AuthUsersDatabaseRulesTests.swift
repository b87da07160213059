@testable import EmbeddedCouch
import JSON
import Testing

@Suite("Auth: _users database rules")
struct AuthUsersDatabaseRulesTests {
    static let admin = UserContext(name: "admin", roles: ["_admin"])
    static let alice = UserContext(name: "alice", roles: [])

    static func userDoc(_ name: String, roles: [JSONValue] = [], password: String? = "pw") -> JSONObject {
        var doc: JSONObject = ["_id": .string("org.couchdb.user:" + name), "name": .string(name), "roles": .array(roles), "type": "user"]
        if let password { doc["password"] = .string(password) }
        return doc
    }

    func prepare(_ doc: JSONObject, old: JSONObject? = nil, as user: UserContext, security: JSONValue = [:]) throws(CouchHTTPError) -> JSONValue {
        try UsersDatabaseRules.prepare(newDoc: .object(doc), oldDoc: old.map { .object($0) }, user: user, security: security, iterations: 100)
    }

    @Test("a clear password becomes PBKDF2-SHA256 fields, appended after the document's own members")
    func hashing() throws {
        let prepared = try prepare(Self.userDoc("alice", roles: ["team"]), as: Self.admin)
        let object = try #require(prepared.objectValue)
        #expect(Array(object.keys) == ["_id", "name", "roles", "type", "password_scheme", "pbkdf2_prf", "iterations", "derived_key", "salt"])
        #expect(prepared["password_scheme"] == "pbkdf2" && prepared["pbkdf2_prf"] == "sha256" && prepared["iterations"] == 100)
        let salt = try #require(prepared["salt"]?.stringValue)
        let expected = PasswordHash.pbkdf2(password: Array("pw".utf8), salt: Array(salt.utf8), iterations: 100, prf: .sha256)
        #expect(prepared["derived_key"]?.stringValue == PasswordHash.hex(expected))
        let credentials = try UserCredentials(name: "alice", document: prepared)
        #expect(try credentials.verify(password: "pw", maximumIterations: 1_000))
        #expect(try !credentials.verify(password: "px", maximumIterations: 1_000))
    }

    @Test("the default iteration count is 10 000")
    func defaultIterations() throws {
        let prepared = try UsersDatabaseRules.prepare(newDoc: .object(Self.userDoc("alice")), oldDoc: nil, user: Self.admin)
        #expect(prepared["iterations"] == 10_000)
    }

    @Test("documents without a password, and design and local documents, are left alone")
    func untouched() throws {
        let noPassword = Self.userDoc("alice", password: nil)
        #expect(try prepare(noPassword, as: Self.admin) == .object(noPassword))
        var nullPassword = Self.userDoc("alice", password: nil)
        nullPassword["password"] = .null
        #expect(try prepare(nullPassword, as: Self.admin)["password"] == .null)
        let design: JSONObject = ["_id": "_design/_auth", "validate_doc_update": "function(){}"]
        #expect(try prepare(design, as: Self.admin) == .object(design))
        var numeric = Self.userDoc("alice", password: nil)
        numeric["password"] = 5
        #expect(throws: CouchHTTPError.self) { try prepare(numeric, as: Self.admin) }
    }

    @Test("anonymous may sign up without roles; a user may update only their own document")
    func whoMayWrite() throws {
        #expect(try prepare(Self.userDoc("carol"), as: .anonymous)["name"] == "carol")
        #expect(throws: CouchHTTPError.forbidden("Only _admin may set roles")) {
            try prepare(Self.userDoc("carol", roles: ["team"]), as: .anonymous)
        }
        #expect(throws: CouchHTTPError.notFound("missing")) { try prepare(Self.userDoc("bob"), as: Self.alice) }
        let old = Self.userDoc("alice", roles: ["b", "a"], password: nil)
        #expect(try prepare(Self.userDoc("alice", roles: ["a", "b"]), old: old, as: Self.alice)["name"] == "alice")
        #expect(throws: CouchHTTPError.forbidden("Only _admin may edit roles")) {
            try prepare(Self.userDoc("alice", roles: ["a", "c"]), old: old, as: Self.alice)
        }
        #expect(throws: CouchHTTPError.forbidden("You may only update your own user document.")) {
            try prepare(Self.userDoc("alice"), old: old, as: .anonymous)
        }
        // A db admin of _users may set roles.
        let security: JSONValue = ["admins": ["names": ["alice"]]]
        #expect(try prepare(Self.userDoc("dave", roles: ["ops"]), as: Self.alice, security: security)["roles"] == ["ops"])
    }

    @Test("shape checks of the _auth validate function", arguments: [
        (["type": "person"], "doc.type must be user"),
        (["name": ""], "doc.name is required"),
        (["roles": nil], "doc.roles must exist"),
        (["roles": "x"], "doc.roles must be an array"),
        (["roles": [1]], "doc.roles can only contain strings"),
        (["_id": "org.couchdb.user:other"], "Doc ID must be of the form org.couchdb.user:name"),
        (["password_sha": "abc"], "Users with password_sha must have a salt.See /_utils/script/couch.js for example code."),
        (["password_scheme": "bcrypt"], "Password scheme `bcrypt` not supported."),
        (["roles": ["_admin"]], "No system roles (starting with underscore) in users db."),
    ] as [(JSONObject, String)])
    func shape(changes: JSONObject, reason: String) {
        var doc = Self.userDoc("alice", password: nil)
        for (key, value) in changes { doc[key] = value }
        #expect(throws: CouchHTTPError.forbidden(reason)) { try prepare(doc, as: Self.admin) }
    }

    @Test("names: no leading underscore, no colon, no renames; _metrics is the one allowed system role")
    func names() throws {
        var underscore = Self.userDoc("_x", password: nil)
        underscore["_id"] = "org.couchdb.user:_x"
        #expect(throws: CouchHTTPError.forbidden("Username may not start with underscore.")) { try prepare(underscore, as: Self.admin) }
        #expect(throws: CouchHTTPError.forbidden("Character `:` is not allowed in usernames.")) {
            try prepare(Self.userDoc("a:b", password: nil), as: Self.admin)
        }
        var renamed = Self.userDoc("alice", password: nil)
        renamed["name"] = "alicia"
        renamed["_id"] = "org.couchdb.user:alicia"
        #expect(throws: CouchHTTPError.forbidden("Usernames can not be changed.")) {
            try prepare(renamed, old: Self.userDoc("alice", password: nil), as: Self.admin)
        }
        #expect(try prepare(Self.userDoc("m", roles: ["_metrics"], password: nil), as: Self.admin)["roles"] == ["_metrics"])
    }

    @Test("deletes: admins and the user themself only")
    func deletes() throws {
        let tombstone: JSONObject = ["_id": "org.couchdb.user:alice", "_deleted": true]
        let old = Self.userDoc("alice", password: nil)
        #expect(try prepare(tombstone, old: old, as: Self.admin)["_deleted"] == true)
        #expect(try prepare(tombstone, old: old, as: Self.alice)["_deleted"] == true)
        #expect(throws: CouchHTTPError.forbidden("Only admins may delete other user docs.")) {
            try prepare(tombstone, old: old, as: .anonymous)
        }
    }

    @Test("reads: admins and the user see the document; others get 404; design docs need an admin")
    func reads() throws {
        let doc = JSONValue.object(Self.userDoc("alice"))
        #expect(try UsersDatabaseRules.filterRead(doc, user: Self.admin) == doc)
        #expect(try UsersDatabaseRules.filterRead(doc, user: Self.alice) == doc)
        #expect(throws: CouchHTTPError.notFound("missing")) { try UsersDatabaseRules.filterRead(doc, user: UserContext(name: "bob", roles: [])) }
        #expect(throws: CouchHTTPError.forbidden("Only administrators can view design docs in the users database.")) {
            try UsersDatabaseRules.filterRead(["_id": "_design/_auth"], user: Self.alice)
        }
    }
}
