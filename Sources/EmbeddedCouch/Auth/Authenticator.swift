import Foundation
import JSON

/// What authentication looks at in a request.
struct AuthRequest: Sendable {
    var authorization: String?
    var cookie: String?
    var clientAddress: String
}

/// Who a request was authenticated as, and by which handler.
struct Authentication: Sendable {
    var user: UserContext
    /// `"default"` (basic), `"cookie"`, or nil for anonymous.
    var handler: String?
}

/// Where user documents come from (`_users`).
protocol UserDirectory: Sendable {
    func userDocument(name: String) async throws -> JSONValue?
}

/// Stand-in authenticator: knows only the server admin (Basic auth); everyone else is
/// anonymous. Replaced wholesale by the real one (cookies, `_users`, lockout).
struct Authenticator: Sendable {
    let admin: ServerAdmin?
    let secret: [UInt8]
    let users: any UserDirectory

    init(admin: ServerAdmin?, secret: [UInt8], users: any UserDirectory) {
        self.admin = admin
        self.secret = secret
        self.users = users
    }

    func authenticate(_ request: AuthRequest) async -> Result<Authentication, CouchHTTPError> {
        guard let header = request.authorization, header.lowercased().hasPrefix("basic ") else {
            return .success(Authentication(user: .anonymous, handler: nil))
        }
        guard let data = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
              let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { return .failure(CouchHTTPError(status: 500, error: "unknown_error", reason: "badarg")) }
        let name = String(text[..<colon])
        let password = String(text[text.index(after: colon)...])
        if let admin, admin.name == name, admin.password == password {
            return .success(Authentication(user: UserContext(name: name, roles: ["_admin"]), handler: "default"))
        }
        return .failure(.unauthorized("Name or password is incorrect."))
    }

    func handleSession(method: String, request: AuthRequest, contentType: String?, body: [UInt8]) async -> CouchResponse {
        switch method {
        case "GET", "HEAD":
            switch await authenticate(request) {
            case .failure(let error):
                return CouchResponse(error)
            case .success(let auth):
                var info: JSONObject = ["authentication_handlers": ["cookie", "default"]]
                if let handler = auth.handler { info["authenticated"] = .string(handler) }
                return CouchResponse(status: 200, json: [
                    "ok": true,
                    "userCtx": ["name": auth.user.name.map(JSONValue.string) ?? .null, "roles": .array(auth.user.roles.map(JSONValue.string))],
                    "info": .object(info),
                ])
            }
        case "POST", "DELETE":
            return CouchResponse(CouchHTTPError(status: 501, error: "not_implemented", reason: "Cookie sessions are not available."))
        default:
            return CouchResponse(CouchHTTPError(
                status: 405, error: "method_not_allowed", reason: "Only GET,HEAD,POST,DELETE allowed",
                headers: [("Allow", "GET,HEAD,POST,DELETE")]))
        }
    }
}

/// The kind of access a database request needs.
enum DatabaseAccess: Sendable { case read, write, designWrite, admin }

/// Stand-in: server admins pass, everyone else gets CouchDB's answers for an admin-only database.
enum SecurityPolicy {
    static func authorize(_ user: UserContext, _ access: DatabaseAccess, security: JSONValue, database: String) -> CouchHTTPError? {
        if user.isServerAdmin { return nil }
        if user.name == nil { return .unauthorized("You are not authorized to access this db.") }
        return .forbidden("You are not allowed to access this db.")
    }
}

/// Stand-in: returns the document unchanged.
enum UsersDatabaseRules {
    static func prepare(newDoc: JSONValue, oldDoc: JSONValue?, user: UserContext) throws(CouchHTTPError) -> JSONValue { newDoc }
}
