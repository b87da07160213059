import JSON

/// One database on a CouchDB server. A value: cheap to copy, nothing is sent until a method is
/// called.
public struct CouchDatabase: Sendable {
    /// The client it talks through.
    public let client: CouchClient
    /// The database name.
    public let name: String
    /// When true, a write answered 202 Accepted throws ``CouchError/Code/accepted`` instead of
    /// returning a result with `durable == false`. Set it with ``requiringDurableWrites()``.
    public var requireDurableWrites = false

    /// A handle on `name` through `client`.
    public init(client: CouchClient, name: String) {
        self.client = client
        self.name = name
    }

    /// A copy whose writes throw ``CouchError/Code/accepted`` on 202 (for callers like a lease
    /// that must only act on writes they know have won).
    public func requiringDurableWrites() -> CouchDatabase {
        var copy = self
        copy.requireDurableWrites = true
        return copy
    }

    /// A copy whose requests each may take up to `timeout` (see ``CouchClient/withRequestTimeout(_:)``).
    public func withRequestTimeout(_ timeout: Duration) -> CouchDatabase {
        var copy = CouchDatabase(client: client.withRequestTimeout(timeout), name: name)
        copy.requireDurableWrites = requireDurableWrites
        return copy
    }

    /// `/db`, percent-encoded.
    var path: String { "/" + PathEncoding.segment(name) }

    /// `/db/docid` with the id encoded as a document path.
    func documentPath(_ id: String) -> String { path + "/" + PathEncoding.document(id) }

    /// Applies ``requireDurableWrites`` to a write result.
    func checked(_ result: WriteResult) throws(CouchError) -> WriteResult {
        requireDurableWrites ? try result.requireDurable() : result
    }

    // MARK: - Lifecycle

    /// `PUT /db`: creates the database; 412 ``CouchError/Code/preconditionFailed`` if it exists.
    /// `shards` sets CouchDB's `q` (ignored by the embedded store).
    public func create(shards: Int? = nil) async throws(CouchError) {
        var query: [(String, String)] = []
        if let shards { query.append(("q", String(shards))) }
        let response = try await client.send(CouchRequest(.PUT, path, query: query))
        if requireDurableWrites, !response.durable {
            throw CouchError(code: .accepted, status: 202, reason: "database created but not durable", method: "PUT", path: path)
        }
    }

    /// Creates the database unless it exists; returns true when this call created it.
    @discardableResult
    public func createIfMissing(shards: Int? = nil) async throws(CouchError) -> Bool {
        do {
            try await create(shards: shards)
            return true
        } catch where error.code == .preconditionFailed {
            return false
        }
    }

    /// `HEAD /db`: whether the database exists.
    public func exists() async throws(CouchError) -> Bool {
        do {
            _ = try await client.send(CouchRequest(.HEAD, path))
            return true
        } catch where error.code == .notFound {
            return false
        }
    }

    /// `GET /db`: document counts and update sequence.
    public func info() async throws(CouchError) -> DatabaseInfo {
        let response = try await client.send(CouchRequest(.GET, path))
        let body = try response.object()
        guard let seq = body["update_seq"] else { throw response.decodingError("missing `update_seq`") }
        return DatabaseInfo(
            name: body["db_name"]?.stringValue ?? name, documentCount: body["doc_count"]?.intValue ?? 0,
            deletedDocumentCount: body["doc_del_count"]?.intValue ?? 0, updateSequence: UpdateSequence(seq),
            raw: body)
    }

    /// `DELETE /db`: deletes the database and everything in it; 404 if it does not exist.
    public func delete() async throws(CouchError) {
        _ = try await client.send(CouchRequest(.DELETE, path))
    }

    // MARK: - Security

    /// `GET /db/_security`.
    public func security() async throws(CouchError) -> SecurityObject {
        SecurityObject(json: try await client.send(CouchRequest(.GET, path + "/_security")).object())
    }

    /// `PUT /db/_security` (database or server admins only).
    public func setSecurity(_ security: SecurityObject) async throws(CouchError) {
        var request = CouchRequest(.PUT, path + "/_security")
        request.setJSON(security.json)
        _ = try await client.send(request)
    }
}
