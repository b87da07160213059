import JSON

/// Parameters of `_all_docs`. Document ids are plain strings; the client JSON-encodes them.
public struct AllDocsQuery: Sendable, Hashable {
    /// Only these ids, in this order (sent as a POST body). Missing ids give rows with `error`.
    public var keys: [String]?
    /// First id of the range (`startkey`).
    public var startKey: String?
    /// Last id of the range (`endkey`).
    public var endKey: String?
    /// Whether `endKey` itself is included (default true).
    public var inclusiveEnd: Bool?
    /// Include each document as `doc`.
    public var includeDocs = false
    /// With `includeDocs`, add `_conflicts` to each document.
    public var conflicts = false
    /// At most this many rows.
    public var limit: Int?
    /// Skip this many rows first.
    public var skip: Int?
    /// Reverse order (then `startKey` is the higher bound).
    public var descending = false
    /// Add the database's `update_seq` to the answer.
    public var updateSeq = false

    /// Makes a query.
    public init(
        keys: [String]? = nil, startKey: String? = nil, endKey: String? = nil, inclusiveEnd: Bool? = nil,
        includeDocs: Bool = false, conflicts: Bool = false, limit: Int? = nil, skip: Int? = nil,
        descending: Bool = false, updateSeq: Bool = false
    ) {
        self.keys = keys
        self.startKey = startKey
        self.endKey = endKey
        self.inclusiveEnd = inclusiveEnd
        self.includeDocs = includeDocs
        self.conflicts = conflicts
        self.limit = limit
        self.skip = skip
        self.descending = descending
        self.updateSeq = updateSeq
    }

    /// All ids starting with `prefix`. `_all_docs` orders ids by raw code points, so the range
    /// ends at `prefix` followed by the highest code point (U+10FFFF), not the `\ufff0` used
    /// for views, which would miss ids continuing with characters outside the BMP.
    public static func prefix(_ prefix: String, includeDocs: Bool = false) -> AllDocsQuery {
        AllDocsQuery(startKey: prefix, endKey: prefix + "\u{10FFFF}", includeDocs: includeDocs)
    }

    var query: [(String, String)] {
        var items: [(String, String)] = []
        if let startKey { items.append(("startkey", JSONValue.string(startKey).serialized())) }
        if let endKey { items.append(("endkey", JSONValue.string(endKey).serialized())) }
        if let inclusiveEnd { items.append(("inclusive_end", String(inclusiveEnd))) }
        if includeDocs { items.append(("include_docs", "true")) }
        if conflicts { items.append(("conflicts", "true")) }
        if let limit { items.append(("limit", String(limit))) }
        if let skip { items.append(("skip", String(skip))) }
        if descending { items.append(("descending", "true")) }
        if updateSeq { items.append(("update_seq", "true")) }
        return items
    }
}

/// One row of `_all_docs`.
public struct AllDocsRow: Sendable, Hashable {
    /// The document id (nil for a `keys` row that was not found).
    public var id: String?
    /// The key (the id asked for).
    public var key: String
    /// The current revision.
    public var rev: String?
    /// True for a `keys` row whose document is deleted (its `doc` is nil).
    public var deleted: Bool
    /// The document, with `includeDocs`.
    public var doc: JSONValue?
    /// `not_found` for a `keys` row with no such document.
    public var error: String?
}

/// The answer of `_all_docs`.
public struct AllDocsResponse: Sendable, Hashable {
    /// Number of documents in the database (nil when the server does not say).
    public var totalRows: Int?
    /// The offset of the first row (nil with `keys`).
    public var offset: Int?
    /// The rows.
    public var rows: [AllDocsRow]
    /// With `updateSeq`, the database sequence.
    public var updateSequence: UpdateSequence?
}

extension CouchDatabase {
    /// `POST /db/_bulk_docs`: writes many documents in one request; each gets its own result
    /// (saved with a rev, or rejected with CouchDB's error and reason), in input order.
    ///
    /// `newEdits: false` stores the given revisions as they are (replication); gasp's own
    /// writes never use it (it bypasses `validate_doc_update`'s view of the old document).
    /// Retried after a lost answer only when every document has an `_id` (duplicates then come
    /// back as per-document conflicts) or `newEdits` is false.
    public func bulkDocs(_ documents: [JSONValue], newEdits: Bool = true) async throws(CouchError) -> [BulkDocResult] {
        let idempotent = !newEdits || documents.allSatisfy { $0["_id"]?.stringValue != nil }
        var request = CouchRequest(.POST, path + "/_bulk_docs", idempotent: idempotent)
        var body: JSONValue = ["docs": .array(documents)]
        if !newEdits { body["new_edits"] = false }
        request.setJSON(body)
        return try await bulkResults(try await client.send(request))
    }

    /// ``bulkDocs(_:newEdits:)`` for documents given as JSON object text (as
    /// ``JSON/JSONValue/serializedBytes()`` writes them), which large batches can write
    /// without building `JSONValue`s. `allHaveIDs` says that every document has an `_id`:
    /// then a lost answer is retried, as ``bulkDocs(_:newEdits:)`` does.
    public func bulkDocs(serialized documents: [[UInt8]], allHaveIDs: Bool) async throws(CouchError) -> [BulkDocResult] {
        var request = CouchRequest(.POST, path + "/_bulk_docs", idempotent: allHaveIDs)
        var body: [UInt8] = []
        body.reserveCapacity(documents.reduce(12) { $0 + $1.count + 1 })
        body.append(contentsOf: #"{"docs":["#.utf8)
        for (index, document) in documents.enumerated() {
            if index > 0 { body.append(UInt8(ascii: ",")) }
            body.append(contentsOf: document)
        }
        body.append(contentsOf: "]}".utf8)
        request.setJSON(bytes: body)
        return try await bulkResults(try await client.send(request))
    }

    /// The per-document results of a `_bulk_docs` answer.
    private func bulkResults(_ response: CouchResponse) throws(CouchError) -> [BulkDocResult] {
        if requireDurableWrites, !response.durable {
            throw CouchError(code: .accepted, status: 202, reason: "bulk write not durable", method: "POST", path: path + "/_bulk_docs")
        }
        guard let list = try response.json().arrayValue else { throw response.decodingError("expected an array of results") }
        return list.map { item in
            let id = item["id"]?.stringValue
            if let rev = item["rev"]?.stringValue, item["error"] == nil {
                return BulkDocResult(id: id, outcome: .saved(rev: rev), durable: response.durable)
            }
            return BulkDocResult(
                id: id,
                outcome: .rejected(error: item["error"]?.stringValue ?? "unknown", reason: item["reason"]?.stringValue ?? ""),
                durable: response.durable)
        }
    }

    /// `_all_docs`: documents by id, in raw code-point order of their ids. With `keys` the
    /// request is a POST (any number of ids); read-only, so it is retried like a GET.
    public func allDocs(_ query: AllDocsQuery = AllDocsQuery()) async throws(CouchError) -> AllDocsResponse {
        var request: CouchRequest
        if let keys = query.keys {
            request = CouchRequest(.POST, path + "/_all_docs", query: query.query, idempotent: true)
            request.setJSON(["keys": .array(keys.map { .string($0) })])
        } else {
            request = CouchRequest(.GET, path + "/_all_docs", query: query.query)
        }
        let response = try await client.send(request)
        let body = try response.object()
        guard let rows = body["rows"]?.arrayValue else { throw response.decodingError("missing array `rows`") }
        return AllDocsResponse(
            totalRows: body["total_rows"]?.intValue, offset: body["offset"]?.intValue,
            rows: rows.map { row in
                AllDocsRow(
                    id: row["id"]?.stringValue, key: row["key"]?.stringValue ?? "",
                    rev: row["value"]?["rev"]?.stringValue, deleted: row["value"]?["deleted"]?.boolValue ?? false,
                    doc: row["doc"].nonNull, error: row["error"]?.stringValue)
            },
            updateSequence: body["update_seq"].map(UpdateSequence.init))
    }
}
