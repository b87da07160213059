import Foundation
import JSON
import Logging

/// Everything a request handler needs: the databases, authentication and settings.
/// Handlers live in extensions, one file per area.
struct CouchService: Sendable {
    let registry: DatabaseRegistry
    let authenticator: Authenticator
    let maxDocumentBytes: Int
    let serverUUID: String
    let logger: Logger
    /// Design documents, view indexes and the query servers.
    let views: ViewService

    init(configuration: EmbeddedCouchConfiguration, logger: Logger) throws {
        registry = try DatabaseRegistry(dataDirectory: configuration.dataDirectory)
        let secret = try CookieSecret.load(dataDirectory: configuration.dataDirectory)
        authenticator = Authenticator(admin: configuration.admin, secret: secret, users: StoreUserDirectory(registry: registry))
        maxDocumentBytes = configuration.maxDocumentBytes
        serverUUID = try ServerIdentity.uuid(dataDirectory: configuration.dataDirectory)
        self.logger = logger
        views = ViewService(queryServerExecutable: configuration.queryServerExecutable ?? "/proc/self/exe", logger: logger)
    }

    /// Answers one request: authentication first, then routing by path.
    func handle(
        method: String, rawPath: Substring, rawQuery: Substring?, headers: [String: String], body: [UInt8], clientAddress: String, origin: String
    ) async -> CouchResponse {
        let authRequest = AuthRequest(authorization: headers["authorization"], cookie: headers["cookie"], clientAddress: clientAddress)
        let path = RequestPath(rawPath: rawPath)
        if path.segments.first == "_session" && path.segments.count == 1 {
            return await authenticator.handleSession(
                method: method, request: authRequest, contentType: headers["content-type"], body: body,
                requireLogin: QueryParameters(rawQuery: rawQuery)["basic"] == "true")
        }
        let authentication: Authentication
        switch await authenticator.authenticate(authRequest) {
        case .failure(let error): return CouchResponse(error)
        case .success(let value): authentication = value
        }
        let request = CouchRequest(
            method: method, path: path, query: QueryParameters(rawQuery: rawQuery), headers: headers, body: body,
            user: authentication.user, origin: origin)
        var response: CouchResponse
        do {
            response = try await route(request)
        } catch let error as CouchHTTPError {
            response = CouchResponse(error)
        } catch {
            logger.error("request failed", metadata: ["method": "\(method)", "path": "\(rawPath)", "error": "\(error)"])
            response = CouchResponse(CouchHTTPError(status: 500, error: "unknown_error", reason: "\(error)"))
        }
        // An AuthSession cookie past a tenth of its life is re-issued, as CouchDB does.
        if let cookie = authentication.setCookie { response.headers.append(("Set-Cookie", cookie)) }
        return response
    }

    private func route(_ request: CouchRequest) async throws -> CouchResponse {
        guard let first = request.path.segments.first else { return try welcome(request) }
        switch first {
        case "_up": return try up(request)
        case "_uuids": return try uuids(request)
        case "_all_dbs": return try await allDatabases(request)
        default: return try await databaseRequest(request, name: first)
        }
    }

    /// Server-admin-only endpoints: 401 "You are not a server admin." for anyone else, named or not
    /// (recorded in security_members).
    func requireServerAdmin(_ user: UserContext) throws(CouchHTTPError) {
        if let error = SecurityPolicy.requireServerAdmin(user) { throw error }
    }

    /// A JSON response.
    static func json(_ status: Int, _ value: JSONValue, headers: [(String, String)] = []) -> CouchResponse {
        CouchResponse(status: status, headers: headers, json: value)
    }
}
