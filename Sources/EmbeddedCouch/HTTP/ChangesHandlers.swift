import JSON

/// `/{db}/_changes`: normal and longpoll feeds (continuous ones are streamed, see
/// ``ContinuousChanges``).
extension CouchService {
    /// A parsed `_changes` request.
    struct ChangesRequest: Sendable {
        var query: ChangesQuery
        var feed: String
        var timeout: Duration
        var heartbeat: Duration?
        var allDocsStyle: Bool
        var conflicts: Bool
        var sinceNow: Bool
        /// A `ddoc/name` filter (JavaScript filters are not supported).
        var customFilter: String?
    }

    func changesRequest(_ context: DatabaseContext) throws(CouchHTTPError) -> ChangesRequest {
        let request = context.request
        let q = request.query
        var body: JSONObject = [:]
        if request.method == "POST" {
            try request.requireJSONContentType()
            if !request.body.isEmpty {
                guard case .object(let members) = try request.jsonBody() else { throw .badRequest("Request body must be a JSON object") }
                body = members
            }
        }
        var query = ChangesQuery()
        let feed = q["feed"] ?? "normal"
        guard ["normal", "longpoll", "continuous", "live", "eventsource"].contains(feed) else {
            throw .badRequest("Supported `feed` types: normal, continuous, live, longpoll, eventsource")
        }
        var sinceNow = false
        var customFilter: String?
        if let since = q["since"] {
            if since == "now" {
                sinceNow = true
            } else {
                guard let n = UpdateSequence.parse(since) else { throw .badRequest("Malformed sequence supplied in 'since' parameter.") }
                query.since = n
            }
        }
        query.descending = q.bool("descending")
        query.limit = try q.nonNegativeInt("limit")
        query.includeDocs = q.bool("include_docs")
        switch q["filter"] {
        case nil: break
        case "_doc_ids":
            let ids: JSONValue?
            if let fromBody = body["doc_ids"] { ids = fromBody } else { ids = try q.json("doc_ids") }
            guard let list = ids?.arrayValue, list.allSatisfy({ $0.stringValue != nil }) else {
                throw .badRequest("`doc_ids` filter parameter is not a list of doc ids.")
            }
            query.filter = .docIDs(Set(list.compactMap(\.stringValue)))
        case "_design":
            query.filter = .design
        case let name?:
            if name.hasPrefix("_") { throw .badRequest("unknown builtin filter name") }
            customFilter = name
        }
        let timeoutMillis = q["timeout"].flatMap(Int.init) ?? 60_000
        let heartbeat = q["heartbeat"].flatMap { $0 == "true" ? 60_000 : Int($0) }
        return ChangesRequest(
            query: query, feed: feed, timeout: .milliseconds(max(0, timeoutMillis)), heartbeat: heartbeat.map { .milliseconds(max(1, $0)) },
            allDocsStyle: q["style"] == "all_docs", conflicts: q.bool("conflicts"), sinceNow: sinceNow,
            customFilter: customFilter)
    }

    func changes(_ context: DatabaseContext) async throws -> CouchResponse {
        try context.authorize(.read)
        var parsed = try changesRequest(context)
        if parsed.customFilter != nil { throw try await filterNotFound(context) }
        if parsed.sinceNow { parsed.query.since = await context.store.notifier.currentSequence }
        var result = try await context.store.changes(parsed.query)
        if parsed.feed == "longpoll" || parsed.feed == "continuous" || parsed.feed == "eventsource" {
            let deadline = ContinuousClock.now.advanced(by: parsed.timeout)
            while result.rows.isEmpty && !parsed.query.descending {
                let remaining = ContinuousClock.now.duration(to: deadline)
                guard remaining > .zero else { break }
                guard await context.store.notifier.wait(after: result.lastSeq, timeout: remaining) else { break }
                result = try await context.store.changes(parsed.query)
            }
        }
        return CouchResponse(status: 200, body: .bytes(Self.changesBody(result, request: parsed, sequence: context.store.sequence), contentType: "application/json"))
    }

    /// The JSON body of a normal or longpoll feed.
    static func changesBody(_ result: (rows: [ChangeRow], lastSeq: Int, pending: Int), request: ChangesRequest, sequence: UpdateSequence) -> [UInt8] {
        var out = JSONBytes(capacity: 1024)
        out.raw("{\"results\":[")
        for (i, row) in result.rows.enumerated() {
            if i > 0 { out.raw(",") }
            writeChange(row, request: request, sequence: sequence, into: &out)
        }
        out.raw("],\"last_seq\":")
        out.string(sequence.string(result.lastSeq))
        out.raw(",\"pending\":")
        out.int(result.pending)
        out.raw("}")
        return out.bytes
    }

    /// The 404 for `filter=ddoc/name`: the design document or its `filters` member is missing.
    private func filterNotFound(_ context: DatabaseContext) async throws -> CouchHTTPError {
        guard let name = context.request.query["filter"], let slash = name.firstIndex(of: "/") else { return .notFound() }
        let id = "_design/" + name[..<slash]
        guard let (record, revision) = try await context.store.document(id: id, rev: nil), !record.deleted, let revision,
              let ddoc = try? DocumentJSON.value(id: id, revision: revision)
        else { return .notFound() }
        guard let filters = ddoc["filters"] else { return .notFound("missing json key: filters") }
        guard filters[String(name[name.index(after: slash)...])] != nil else { return .notFound("missing json key: \(name[name.index(after: slash)...])") }
        return CouchHTTPError(status: 501, error: "not_implemented", reason: "JavaScript filters are not supported")
    }

    static func writeChange(_ row: ChangeRow, request: ChangesRequest, sequence: UpdateSequence, into out: inout JSONBytes) {
        out.raw("{\"seq\":")
        out.string(sequence.string(row.seq))
        out.raw(",\"id\":")
        out.string(row.id)
        out.raw(",\"changes\":[")
        let leaves = request.allDocsStyle ? row.tree.sortedLeaves.map(\.rev) : [row.winner]
        for (i, rev) in leaves.enumerated() {
            out.raw(i == 0 ? "{\"rev\":" : ",{\"rev\":")
            out.string(rev.description)
            out.raw("}")
        }
        out.raw("]")
        if row.deleted { out.raw(",\"deleted\":true") }
        if request.query.includeDocs {
            out.raw(",\"doc\":")
            if let doc = row.doc {
                var extras: [(String, JSONValue)] = []
                if request.conflicts {
                    let list = conflicts(row.tree, deleted: false)
                    if !list.isEmpty { extras.append(("_conflicts", .array(list))) }
                }
                DocumentJSON.write(id: row.id, revision: doc, extras: extras, into: &out)
            } else {
                out.raw("null")
            }
        }
        out.raw("}")
    }
}
