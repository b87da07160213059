import JSON

/// A request as the handlers see it: method, decoded path, query, the headers they use, the
/// body bytes and who is asking.
struct CouchRequest: Sendable {
    var method: String
    var path: RequestPath
    var query: QueryParameters
    /// Header values by lowercased name (the last one wins).
    var headers: [String: String]
    var body: [UInt8]
    var user: UserContext
    /// `http://host:port` for `Location` headers.
    var origin: String

    func header(_ name: String) -> String? { headers[name] }

    /// Whether the body is declared as JSON (`application/json`, parameters allowed).
    var hasJSONContentType: Bool {
        guard let type = headers["content-type"] else { return false }
        return type.lowercased().trimmingPrefixSpaces.hasPrefix("application/json")
    }

    /// Requires a JSON content type (POST /db, _bulk_docs, _all_docs, _changes): 415 otherwise.
    func requireJSONContentType() throws(CouchHTTPError) {
        guard hasJSONContentType else {
            throw CouchHTTPError(status: 415, error: "bad_content_type", reason: "Content-Type must be application/json")
        }
    }

    /// The body parsed as JSON; CouchDB's 400 when it is not JSON.
    func jsonBody() throws(CouchHTTPError) -> JSONValue {
        do {
            return try JSONParser.parse(body)
        } catch {
            throw .badRequest("invalid UTF-8 JSON")
        }
    }

    /// Whether the client accepts JSON for responses that default to multipart.
    var acceptsJSON: Bool { headers["accept"]?.lowercased().contains("application/json") ?? false }
}

/// 405 with CouchDB's `Allow` header and reason.
func methodNotAllowed(_ allowed: String) -> CouchHTTPError {
    CouchHTTPError(status: 405, error: "method_not_allowed", reason: "Only \(allowed) allowed", headers: [("Allow", allowed)])
}
