import JSON

/// What authentication needs to know about one HTTP request.
struct AuthRequest: Sendable {
    /// The `Authorization` header, if any.
    var authorization: String?
    /// The `Cookie` header, if any.
    var cookie: String?
    /// The peer's address; failed password checks are counted per address (lockout).
    var clientAddress: String

    init(authorization: String? = nil, cookie: String? = nil, clientAddress: String) {
        self.authorization = authorization
        self.cookie = cookie
        self.clientAddress = clientAddress
    }
}

/// The outcome of authenticating a request.
struct Authentication: Sendable {
    /// Who the request acts as.
    var user: UserContext
    /// CouchDB's handler name: `"default"` (basic auth), `"cookie"`, or `nil` (anonymous).
    var handler: String?
    /// A `Set-Cookie` value the response should carry: CouchDB re-issues an AuthSession cookie
    /// once a tenth of its lifetime has passed, so an active client stays logged in.
    var setCookie: String? = nil

    init(user: UserContext, handler: String?, setCookie: String? = nil) {
        self.user = user
        self.handler = handler
        self.setCookie = setCookie
    }
}

/// Where the authenticator finds users: the `_users` database.
protocol UserDirectory: Sendable {
    /// The document `org.couchdb.user:<name>` from `_users`, or `nil` when it is missing or deleted.
    func userDocument(name: String) async throws -> JSONValue?
}

/// What a request wants to do with a database, for `SecurityPolicy.authorize`.
enum DatabaseAccess: Sendable {
    /// Reading documents, views, `_changes`, `_all_docs`, `_security`, the database info.
    case read
    /// Writing normal (non-design) documents.
    case write
    /// Writing or deleting a design document: needs a db or server admin.
    case designWrite
    /// Changing `_security`: needs a db or server admin; CouchDB answers a member who is not one
    /// with `500 {"error":"error","reason":"no_majority"}` (its cluster's failed quorum).
    case admin
}
