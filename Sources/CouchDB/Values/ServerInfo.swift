import JSON

/// `GET /`: the server's welcome.
public struct ServerInfo: Sendable, Hashable {
    /// `"Welcome"`.
    public var couchdb: String
    /// The CouchDB version, e.g. `3.4.3`.
    public var version: String
    /// The server's uuid, when given.
    public var uuid: String?
    /// The vendor name, when given.
    public var vendor: String?
    /// The whole answer.
    public var raw: JSONValue
}

/// `GET /db`: a database's counts and sequence.
public struct DatabaseInfo: Sendable, Hashable {
    /// The database name.
    public var name: String
    /// Live documents (design documents included, `_local` excluded).
    public var documentCount: Int
    /// Deleted documents (tombstones).
    public var deletedDocumentCount: Int
    /// The current update sequence.
    public var updateSequence: UpdateSequence
    /// The whole answer.
    public var raw: JSONValue
}

/// An opaque update sequence: a string in CouchDB 2+ (`"12-g1AAAA…"`), a number in older
/// servers. Only ever passed back to the server.
public struct UpdateSequence: Sendable, Hashable, CustomStringConvertible {
    /// The sequence as the server wrote it.
    public var value: JSONValue

    /// Wraps a sequence from a response.
    public init(_ value: JSONValue) { self.value = value }

    /// The start of the database.
    public static let zero = UpdateSequence(.string("0"))
    /// `since=now`: only changes after the request.
    public static let now = UpdateSequence(.string("now"))

    /// The text used in a `since` query parameter.
    public var queryValue: String {
        switch value {
        case .string(let text): return text
        case .number(let number): return number.text
        default: return value.serialized()
        }
    }

    public var description: String { queryValue }
}

/// A `_security` object: who may administer and who may read and write a database.
public struct SecurityObject: Sendable, Hashable {
    /// Names and roles of one group.
    public struct Group: Sendable, Hashable {
        /// User names.
        public var names: [String]
        /// Role names.
        public var roles: [String]

        /// Makes a group.
        public init(names: [String] = [], roles: [String] = []) {
            self.names = names
            self.roles = roles
        }

        var json: JSONValue {
            ["names": .array(names.map { .string($0) }), "roles": .array(roles.map { .string($0) })]
        }

        init(_ value: JSONValue?) {
            names = value?["names"]?.arrayValue?.compactMap(\.stringValue) ?? []
            roles = value?["roles"]?.arrayValue?.compactMap(\.stringValue) ?? []
        }
    }

    /// Database admins.
    public var admins: Group
    /// Database members (readers and writers). Empty names and roles make the database public.
    public var members: Group

    /// Makes a security object.
    public init(admins: Group = Group(), members: Group = Group()) {
        self.admins = admins
        self.members = members
    }

    /// Reads a `_security` answer (`{}` means both groups empty).
    public init(json: JSONValue) {
        admins = Group(json["admins"])
        members = Group(json["members"])
    }

    /// The JSON CouchDB expects.
    public var json: JSONValue { ["admins": admins.json, "members": members.json] }
}
