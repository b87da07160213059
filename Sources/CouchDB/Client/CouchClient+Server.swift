import JSON
import NIOHTTP1

extension CouchClient {
    /// `GET /`: name, version and uuid of the server.
    public func serverInfo() async throws(CouchError) -> ServerInfo {
        let response = try await send(CouchRequest(.GET, "/"))
        let body = try response.object()
        return ServerInfo(
            couchdb: body["couchdb"]?.stringValue ?? "", version: try response.string(body, "version"),
            uuid: body["uuid"]?.stringValue, vendor: body["vendor"]?["name"]?.stringValue, raw: body)
    }

    /// `GET /_up`: true when the server says it is ready to serve, false when it answers but is
    /// not (404 or 503, e.g. in maintenance mode). Transport failures throw.
    public func up() async throws(CouchError) -> Bool {
        var request = CouchRequest(.GET, "/_up")
        request.authenticated = false
        do {
            let response = try await send(request)
            return (try? response.json())?["status"]?.stringValue == "ok"
        } catch where error.status == 404 || error.status == 503 {
            return false
        }
    }

    /// Polls ``up()`` until the server is ready or `timeout` has passed (e.g. right after
    /// starting it). Throws the last error, or a ``CouchError/Code/timeout``, when it never was.
    public func waitUntilUp(timeout: Duration, pollInterval: Duration = .milliseconds(100)) async throws(CouchError) {
        let deadline = ContinuousClock.now + timeout
        let probe = withRetryPolicy(.never).withRequestTimeout(min(configuration.requestTimeout, timeout))
        var lastError: CouchError?
        while ContinuousClock.now < deadline {
            do {
                if try await probe.up() { return }
                lastError = nil
            } catch where error.isTransient {
                lastError = error
            }
            do {
                try await Task.sleep(for: pollInterval)
            } catch {
                throw CouchError(code: .cancelled, method: "GET", path: "/_up")
            }
        }
        throw lastError ?? CouchError(code: .timeout, reason: "the server was not up within \(timeout)", method: "GET", path: "/_up")
    }

    /// `GET /_uuids?count=N`: fresh 32-hex identifiers from the server.
    public func uuids(count: Int = 1) async throws(CouchError) -> [String] {
        guard count >= 1 else { return [] }
        let response = try await send(CouchRequest(.GET, "/_uuids", query: [("count", String(count))]))
        let body = try response.object()
        guard let list = body["uuids"]?.arrayValue else { throw response.decodingError("missing array `uuids`") }
        return list.compactMap(\.stringValue)
    }

    /// `GET /_all_dbs`: every database name, in order (admin only).
    public func allDatabases() async throws(CouchError) -> [String] {
        let response = try await send(CouchRequest(.GET, "/_all_dbs"))
        guard let list = try response.json().arrayValue else { throw response.decodingError("expected an array") }
        return list.compactMap(\.stringValue)
    }

    /// `GET /_session`: who the server thinks this client is (`userCtx`: `name`, `roles`).
    public func session() async throws(CouchError) -> JSONValue {
        try await send(CouchRequest(.GET, "/_session")).object()
    }

    /// Any other endpoint (`_purge`, `_local_docs`, `_compact`…), with the same authentication,
    /// retries and error mapping as the typed methods. `path` starts with `/` and is sent as
    /// given: percent-encode ids yourself. `idempotent` decides whether a lost answer may be
    /// resent (see ``RetryPolicy``).
    public func request(
        _ method: HTTPMethod, path: String, query: [(String, String)] = [], json body: JSONValue? = nil,
        idempotent: Bool
    ) async throws(CouchError) -> CouchResponse {
        guard path.hasPrefix("/") else {
            throw CouchError(code: .invalidArgument, reason: "the path must start with /", method: method.rawValue, path: path)
        }
        var request = CouchRequest(method, path, query: query, idempotent: idempotent)
        if let body { request.setJSON(body) }
        return try await send(request)
    }
}
