import JSON

/// Every query parameter of a CouchDB view. Keys are JSON values, JSON-encoded in the query
/// string; `keys` is sent as a POST body.
public struct ViewQuery: Sendable, Hashable {
    /// When the index is brought up to date.
    public enum Update: String, Sendable, Hashable {
        /// Before answering (the default).
        case `true`
        /// Answer from the index as it is.
        case `false`
        /// Answer as it is, then update.
        case lazy
    }

    /// The older spelling of ``Update``.
    public enum Stale: String, Sendable, Hashable {
        /// `stale=ok` (as `update=false`).
        case ok
        /// `stale=update_after` (as `update=lazy`).
        case updateAfter = "update_after"
    }

    /// Only rows with exactly this key.
    public var key: JSONValue?
    /// Only rows with these keys, in this order.
    public var keys: [JSONValue]?
    /// Range start (`startkey`).
    public var startKey: JSONValue?
    /// Range end (`endkey`).
    public var endKey: JSONValue?
    /// Document id to start at among rows with `startKey`.
    public var startKeyDocID: String?
    /// Document id to end at among rows with `endKey`.
    public var endKeyDocID: String?
    /// Whether `endKey` is included (default true).
    public var inclusiveEnd: Bool?
    /// Reverse order.
    public var descending: Bool?
    /// At most this many rows.
    public var limit: Int?
    /// Skip this many rows.
    public var skip: Int?
    /// Include the emitting document (or the `{_id}` the value links to) as `doc`.
    public var includeDocs: Bool?
    /// With `includeDocs`, add `_conflicts`.
    public var conflicts: Bool?
    /// Whether to run the reduce function (default true when there is one).
    public var reduce: Bool?
    /// Group by the whole key.
    public var group: Bool?
    /// Group by the first N elements of array keys.
    public var groupLevel: Int?
    /// When to update the index.
    public var update: Update?
    /// The older spelling of `update`.
    public var stale: Stale?
    /// Add the index's `update_seq` to the answer.
    public var updateSeq: Bool?
    /// Whether rows are sorted (default true).
    public var sorted: Bool?

    /// Makes a query.
    public init(
        key: JSONValue? = nil, keys: [JSONValue]? = nil, startKey: JSONValue? = nil, endKey: JSONValue? = nil,
        startKeyDocID: String? = nil, endKeyDocID: String? = nil, inclusiveEnd: Bool? = nil,
        descending: Bool? = nil, limit: Int? = nil, skip: Int? = nil, includeDocs: Bool? = nil,
        conflicts: Bool? = nil, reduce: Bool? = nil, group: Bool? = nil, groupLevel: Int? = nil,
        update: Update? = nil, stale: Stale? = nil, updateSeq: Bool? = nil, sorted: Bool? = nil
    ) {
        self.key = key
        self.keys = keys
        self.startKey = startKey
        self.endKey = endKey
        self.startKeyDocID = startKeyDocID
        self.endKeyDocID = endKeyDocID
        self.inclusiveEnd = inclusiveEnd
        self.descending = descending
        self.limit = limit
        self.skip = skip
        self.includeDocs = includeDocs
        self.conflicts = conflicts
        self.reduce = reduce
        self.group = group
        self.groupLevel = groupLevel
        self.update = update
        self.stale = stale
        self.updateSeq = updateSeq
        self.sorted = sorted
    }

    /// The query-string parameters (everything but `keys`).
    var query: [(String, String)] {
        var items: [(String, String)] = []
        func json(_ name: String, _ value: JSONValue?) {
            if let value { items.append((name, value.serialized())) }
        }
        func flag(_ name: String, _ value: Bool?) {
            if let value { items.append((name, String(value))) }
        }
        json("key", key)
        json("startkey", startKey)
        json("endkey", endKey)
        if let startKeyDocID { items.append(("startkey_docid", startKeyDocID)) }
        if let endKeyDocID { items.append(("endkey_docid", endKeyDocID)) }
        flag("inclusive_end", inclusiveEnd)
        flag("descending", descending)
        if let limit { items.append(("limit", String(limit))) }
        if let skip { items.append(("skip", String(skip))) }
        flag("include_docs", includeDocs)
        flag("conflicts", conflicts)
        flag("reduce", reduce)
        flag("group", group)
        if let groupLevel { items.append(("group_level", String(groupLevel))) }
        if let update { items.append(("update", update.rawValue)) }
        if let stale { items.append(("stale", stale.rawValue)) }
        flag("update_seq", updateSeq)
        flag("sorted", sorted)
        return items
    }
}

/// One row of a view answer.
public struct ViewRow: Sendable, Hashable {
    /// The emitting document's id (nil for reduced rows).
    public var id: String?
    /// The emitted (or grouped) key; `null` for an ungrouped reduce.
    public var key: JSONValue
    /// The emitted or reduced value.
    public var value: JSONValue
    /// The document, with `includeDocs` (nil when missing or deleted).
    public var doc: JSONValue?
    /// An error for this row (e.g. `not_found` for a `keys` row of `_all_docs`-style views).
    public var error: String?
}

/// The answer of a view query.
public struct ViewResponse: Sendable, Hashable {
    /// Rows in the index (nil for reduced answers).
    public var totalRows: Int?
    /// The offset of the first row (nil for reduced answers).
    public var offset: Int?
    /// The rows.
    public var rows: [ViewRow]
    /// With `updateSeq`, the sequence the index is at.
    public var updateSequence: UpdateSequence?
}

extension CouchDatabase {
    /// Queries view `view` of design document `designDocument` (with or without `_design/`).
    /// With `keys` the request is a POST (read-only, retried like a GET).
    public func view(_ designDocument: String, _ view: String, _ query: ViewQuery = ViewQuery()) async throws(CouchError) -> ViewResponse {
        let name = designDocument.hasPrefix("_design/") ? String(designDocument.dropFirst(8)) : designDocument
        let viewPath = path + "/_design/" + PathEncoding.segment(name) + "/_view/" + PathEncoding.segment(view)
        var request: CouchRequest
        if let keys = query.keys {
            request = CouchRequest(.POST, viewPath, query: query.query, idempotent: true)
            request.setJSON(["keys": .array(keys)])
        } else {
            request = CouchRequest(.GET, viewPath, query: query.query)
        }
        let response = try await client.send(request)
        let body = try response.object()
        guard let rows = body["rows"]?.arrayValue else { throw response.decodingError("missing array `rows`") }
        return ViewResponse(
            totalRows: body["total_rows"]?.intValue, offset: body["offset"]?.intValue,
            rows: rows.map { row in
                ViewRow(
                    id: row["id"]?.stringValue, key: row["key"] ?? .null, value: row["value"] ?? .null,
                    doc: row["doc"].nonNull, error: row["error"]?.stringValue)
            },
            updateSequence: body["update_seq"].map(UpdateSequence.init))
    }
}
