/// Who a request acts as, in CouchDB's terms (`userCtx`).
struct UserContext: Sendable, Equatable {
    /// The user name; `nil` for an anonymous request.
    var name: String?
    /// The user's roles; a server admin has `_admin`.
    var roles: [String]

    /// The anonymous user.
    static let anonymous = UserContext(name: nil, roles: [])

    /// Whether this is a server admin.
    var isServerAdmin: Bool { roles.contains("_admin") }
}
