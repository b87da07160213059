import JSON

/// A database's `_security` object enforced as CouchDB 3.4 enforces it: `members` may read and
/// write documents, `admins` (and server admins) may also write design documents and change
/// `_security`. A database whose members list neither names nor roles is public.
enum SecurityPolicy {
    /// The object a new database gets (`[couchdb] default_security = admin_only`).
    static let defaultSecurityObject: JSONValue = [
        "members": ["roles": ["_admin"]],
        "admins": ["roles": ["_admin"]],
    ]

    /// nil when allowed; otherwise CouchDB's 401 (anonymous) or 403 with its exact reasons.
    ///
    /// Every access first needs membership ("You are not authorized to access this db." /
    /// "You are not allowed to access this db."). Design writes then need a db or server admin
    /// ("You are not a db or server admin."); changing `_security` as a member who is not one
    /// is CouchDB's `500 no_majority`.
    static func authorize(_ user: UserContext, _ access: DatabaseAccess, security: JSONValue, database: String) -> CouchHTTPError? {
        guard isMember(user, security: security) else { return accessDenied(user) }
        switch access {
        case .read, .write:
            return nil
        case .designWrite:
            guard isAdmin(user, security: security) else {
                return denied(user, "You are not a db or server admin.")
            }
            return nil
        case .admin:
            return isAdmin(user, security: security) ? nil : noMajority
        }
    }

    /// Validates a `_security` object on PUT (CouchDB answers 500 {"error":"error","reason":"no_majority"}
    /// for a malformed one — see security_object): it must be an object whose `admins` and
    /// `members` (or legacy `readers`), when present, are objects whose `names` and `roles`,
    /// when present, are lists of strings. Other members are kept as given.
    static func validateSecurityObject(_ object: JSONValue) -> CouchHTTPError? {
        guard let fields = object.objectValue else { return noMajority }
        let groups = [fields["admins"], fields["members"] ?? fields["readers"]]
        for case let group? in groups {
            guard let group = group.objectValue else { return noMajority }
            for key in ["names", "roles"] {
                guard let list = group[key] else { continue }
                guard let items = list.arrayValue, items.allSatisfy({ $0.stringValue != nil }) else { return noMajority }
            }
        }
        return nil
    }

    /// 401 "You are not a server admin." unless `user` is a server admin (creating and deleting
    /// databases, `_all_dbs`, `_users/_all_docs`, `_users/_changes`, …).
    static func requireServerAdmin(_ user: UserContext) -> CouchHTTPError? {
        user.isServerAdmin ? nil : .unauthorized("You are not a server admin.")
    }

    /// Whether `user` is a db admin: a server admin, or named or holding a role in `admins`.
    static func isAdmin(_ user: UserContext, security: JSONValue) -> Bool {
        matches(user, group(security["admins"]))
    }

    /// Whether `user` may access the database: a db admin, any user of a public database, or
    /// named or holding a role in `members`.
    static func isMember(_ user: UserContext, security: JSONValue) -> Bool {
        if isAdmin(user, security: security) { return true }
        let members = group(security["members"] ?? security["readers"])
        if members.names.isEmpty && members.roles.isEmpty { return true }
        return matches(user, members)
    }

    /// CouchDB's answer to a member who may not change `_security`, and to a malformed object.
    static let noMajority = CouchHTTPError(status: 500, error: "error", reason: "no_majority")

    private static func accessDenied(_ user: UserContext) -> CouchHTTPError {
        denied(user, user.name == nil ? "You are not authorized to access this db." : "You are not allowed to access this db.")
    }

    private static func denied(_ user: UserContext, _ reason: String) -> CouchHTTPError {
        user.name == nil ? .unauthorized(reason) : .forbidden(reason)
    }

    private static func group(_ value: JSONValue?) -> (names: [String], roles: [String]) {
        (value?["names"]?.arrayValue?.compactMap(\.stringValue) ?? [],
         value?["roles"]?.arrayValue?.compactMap(\.stringValue) ?? [])
    }

    /// CouchDB's `is_authorized`: any shared role (`_admin` always counts), else the name.
    private static func matches(_ user: UserContext, _ group: (names: [String], roles: [String])) -> Bool {
        if user.roles.contains(where: { $0 == "_admin" || group.roles.contains($0) }) { return true }
        guard let name = user.name else { return false }
        return group.names.contains(name)
    }
}
