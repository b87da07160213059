import JSON

/// Extra things to read with a document.
public struct DocumentOptions: Sendable, Hashable {
    /// A specific revision instead of the winner.
    public var rev: String?
    /// `revs=true`: `_revisions` (the revision history).
    public var revs = false
    /// `revs_info=true`: `_revs_info` (history with availability).
    public var revsInfo = false
    /// `conflicts=true`: `_conflicts` (losing leaf revisions).
    public var conflicts = false
    /// `deleted_conflicts=true`: `_deleted_conflicts`.
    public var deletedConflicts = false
    /// `attachments=true`: attachment bodies inline (base64) instead of stubs.
    public var attachments = false
    /// `latest=true`: with `rev`, the latest leaf descending from it.
    public var latest = false

    /// Makes options.
    public init(
        rev: String? = nil, revs: Bool = false, revsInfo: Bool = false, conflicts: Bool = false,
        deletedConflicts: Bool = false, attachments: Bool = false, latest: Bool = false
    ) {
        self.rev = rev
        self.revs = revs
        self.revsInfo = revsInfo
        self.conflicts = conflicts
        self.deletedConflicts = deletedConflicts
        self.attachments = attachments
        self.latest = latest
    }

    var query: [(String, String)] {
        var items: [(String, String)] = []
        if let rev { items.append(("rev", rev)) }
        if revs { items.append(("revs", "true")) }
        if revsInfo { items.append(("revs_info", "true")) }
        if conflicts { items.append(("conflicts", "true")) }
        if deletedConflicts { items.append(("deleted_conflicts", "true")) }
        if attachments { items.append(("attachments", "true")) }
        if latest { items.append(("latest", "true")) }
        return items
    }
}

extension CouchDatabase {
    /// `GET /db/id`: the document (exact numbers, member order kept); 404 if missing or deleted.
    public func get(_ id: String, options: DocumentOptions = DocumentOptions()) async throws(CouchError) -> JSONValue {
        var request = CouchRequest(.GET, documentPath(id), query: options.query)
        // With attachments=true CouchDB answers multipart unless JSON is asked for.
        request.headers.add(name: "Accept", value: "application/json")
        return try await client.send(request).object()
    }

    /// The document, or nil when it does not exist or is deleted.
    public func getIfExists(_ id: String, options: DocumentOptions = DocumentOptions()) async throws(CouchError) -> JSONValue? {
        do {
            return try await get(id, options: options)
        } catch where error.code == .notFound {
            return nil
        }
    }

    /// The document decoded as `T` (through `JSONValue.decode`; `_id`/`_rev` are decoded if `T`
    /// has such keys).
    public func get<T: Decodable>(_ id: String, as type: T.Type, options: DocumentOptions = DocumentOptions()) async throws(CouchError) -> T {
        let value = try await get(id, options: options)
        do {
            return try value.decode(T.self)
        } catch {
            throw CouchError(code: .decoding, method: "GET", path: documentPath(id), underlying: String(describing: error))
        }
    }

    /// `HEAD /db/id`: the current (winning) revision from the `ETag`, or nil when the document
    /// does not exist or is deleted.
    public func headRevision(_ id: String) async throws(CouchError) -> String? {
        do throws(CouchError) {
            let response = try await client.send(CouchRequest(.HEAD, documentPath(id)))
            guard let etag = response.headers.first(name: "ETag") else {
                throw response.decodingError("HEAD answered without an ETag")
            }
            return String(etag.trimmingSpaces().trimmingQuotes())
        } catch where error.code == .notFound {
            return nil
        }
    }

    /// `PUT /db/id`: creates or updates `document`, whose `_id` names it. The revision to
    /// update is the body's `_rev`, or `rev` (sent as `If-Match`). A stale or missing revision
    /// is 409 ``CouchError/Code/conflict``. Safe to retry: a duplicate is a 409.
    public func put(_ document: JSONValue, rev: String? = nil) async throws(CouchError) -> WriteResult {
        guard case .object = document, let id = document["_id"]?.stringValue, !id.isEmpty else {
            throw CouchError(code: .invalidArgument, reason: "the document has no string `_id`", method: "PUT", path: path)
        }
        return try await put(id: id, document, rev: rev)
    }

    /// `PUT /db/id` with the id given separately (the body's `_id`, if any, must agree).
    public func put(id: String, _ document: JSONValue, rev: String? = nil) async throws(CouchError) -> WriteResult {
        var request = CouchRequest(.PUT, documentPath(id))
        request.setJSON(document)
        if let rev { request.headers.add(name: "If-Match", value: rev) }
        return try checked(WriteResult.from(try await client.send(request), id: id))
    }

    /// `PUT` of an `Encodable` value (through `JSONValue(encoding:)`); it must encode an `_id`.
    public func put<T: Encodable>(encoding value: T, rev: String? = nil) async throws(CouchError) -> WriteResult {
        let document: JSONValue
        do {
            document = try JSONValue(encoding: value)
        } catch {
            throw CouchError(code: .invalidArgument, method: "PUT", path: path, underlying: String(describing: error))
        }
        return try await put(document, rev: rev)
    }

    /// `POST /db`: creates `document`, with a server-generated id unless it has an `_id`.
    ///
    /// Not idempotent: resent after a lost answer it would create a second document, so it is
    /// retried only when the connection was never made. For a retry-safe create, take an id
    /// from ``CouchClient/uuids(count:)`` and ``put(_:rev:)`` it.
    public func post(_ document: JSONValue) async throws(CouchError) -> WriteResult {
        var request = CouchRequest(.POST, path, idempotent: document["_id"]?.stringValue != nil)
        request.setJSON(document)
        return try checked(WriteResult.from(try await client.send(request)))
    }

    /// `DELETE /db/id?rev=…`: leaves a tombstone; 409 on a stale rev, 404 if already deleted.
    public func delete(_ id: String, rev: String) async throws(CouchError) -> WriteResult {
        let request = CouchRequest(.DELETE, documentPath(id), query: [("rev", rev)])
        return try checked(WriteResult.from(try await client.send(request), id: id))
    }

    // MARK: - Design documents

    /// The design document `_design/name` (`name` may include the prefix), or nil if missing.
    public func designDocument(_ name: String) async throws(CouchError) -> JSONValue? {
        try await getIfExists(Self.designID(name))
    }

    /// Creates or replaces the design document `_design/name`. `document`'s `_rev` (or `rev`)
    /// must be the current one when it exists.
    public func putDesignDocument(_ name: String, _ document: JSONValue, rev: String? = nil) async throws(CouchError) -> WriteResult {
        var body = document
        body["_id"] = .string(Self.designID(name))
        return try await put(id: Self.designID(name), body, rev: rev)
    }

    /// `_design/name` for `name` or `_design/name`.
    static func designID(_ name: String) -> String {
        name.hasPrefix("_design/") ? name : "_design/" + name
    }
}

extension Substring {
    /// The text without one pair of surrounding double quotes (an ETag's).
    func trimmingQuotes() -> Substring {
        var slice = self
        if slice.hasPrefix("W/") { slice = slice.dropFirst(2) }
        if slice.count >= 2, slice.first == "\"", slice.last == "\"" { return slice.dropFirst().dropLast() }
        return slice
    }
}
