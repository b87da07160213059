import JSON

/// `/{db}/_all_docs` and `/{db}/_design_docs`: documents by id in raw code-point order.
extension CouchService {
    /// The range query and explicit keys of an `_all_docs`-style request (query string, and
    /// for POST the JSON body, whose members win).
    func allDocsQuery(_ context: DatabaseContext) throws -> (IDRangeQuery, keys: [String]?) {
        let request = context.request
        let q = request.query
        var options: JSONObject = [:]
        if request.method == "POST" {
            try request.requireJSONContentType()
            guard case .object(let body) = try request.jsonBody() else { throw CouchHTTPError.badRequest("Request body must be a JSON object") }
            options = body
        }
        func json(_ name: String) throws -> JSONValue? {
            if let value = options[name] { return value }
            return try q.json(name)
        }
        func bool(_ name: String) -> Bool { options[name]?.boolValue ?? q.bool(name) }
        func count(_ name: String) throws -> Int? {
            if let n = options[name] {
                guard let i = n.intValue, i >= 0 else { throw CouchHTTPError(status: 400, error: "query_parse_error", reason: "Invalid value for positive integer: \"\(n.serialized())\"") }
                return i
            }
            return try q.nonNegativeInt(name)
        }

        var query = IDRangeQuery()
        query.descending = bool("descending")
        query.includeDocs = bool("include_docs")
        query.limit = try count("limit")
        query.skip = try count("skip") ?? 0
        if let inclusive = options["inclusive_end"]?.boolValue ?? q["inclusive_end"].map({ $0 != "false" }) { query.inclusiveEnd = inclusive }
        query.startKey = try (json("startkey") ?? json("start_key"))?.stringValue
        query.endKey = try (json("endkey") ?? json("end_key"))?.stringValue
        if let key = try json("key") {
            query.startKey = key.stringValue ?? ""
            query.endKey = key.stringValue ?? ""
            query.inclusiveEnd = true
        }
        var keys: [String]?
        if let value = try json("keys") {
            guard let list = value.arrayValue else { throw CouchHTTPError.badRequest("`keys` body member must be an array.") }
            keys = list.map { $0.stringValue ?? $0.serialized() }
        }
        return (query, keys)
    }

    func allDocs(_ context: DatabaseContext, prefix: String?) async throws -> CouchResponse {
        try context.authorize(.read)
        var (query, keys) = try allDocsQuery(context)
        query.prefix = prefix
        let q = context.request.query
        let conflicts = q.bool("conflicts")
        query.trees = conflicts && query.includeDocs
        var out = JSONBytes(capacity: 4096)
        let total: Int
        if var keys {
            if query.descending { keys.reverse() }
            keys = Array(keys.dropFirst(query.skip))
            if let limit = query.limit { keys = Array(keys.prefix(limit)) }
            let result = try await context.store.allDocs(keys: keys, includeDocs: query.includeDocs, trees: query.trees)
            total = result.total
            out.raw("{\"total_rows\":")
            out.int(total)
            out.raw(",\"offset\":null")
            try await appendUpdateSeq(context, into: &out)
            out.raw(",\"rows\":[")
            for (i, row) in result.rows.enumerated() {
                if i > 0 { out.raw(",") }
                guard let row else {
                    out.raw("{\"key\":")
                    out.string(keys[i])
                    out.raw(",\"error\":\"not_found\"}")
                    continue
                }
                Self.writeRow(row, includeDocs: query.includeDocs, conflicts: conflicts, into: &out)
            }
        } else {
            let result = try await context.store.allDocs(query)
            out.raw("{\"total_rows\":")
            out.int(result.total)
            out.raw(",\"offset\":")
            out.int(result.offset)
            try await appendUpdateSeq(context, into: &out)
            out.raw(",\"rows\":[")
            for (i, row) in result.rows.enumerated() {
                if i > 0 { out.raw(",") }
                Self.writeRow(row, includeDocs: query.includeDocs, conflicts: conflicts, into: &out)
            }
        }
        out.raw("]}")
        return CouchResponse(status: 200, body: out.response)
    }

    private func appendUpdateSeq(_ context: DatabaseContext, into out: inout JSONBytes) async throws {
        guard context.request.query.bool("update_seq") else { return }
        let info = try await context.store.info()
        out.raw(",\"update_seq\":")
        out.string(context.store.sequence.string(info.updateSeq))
    }

    private static func writeRow(_ row: IDRow, includeDocs: Bool, conflicts: Bool, into out: inout JSONBytes) {
        out.raw("{\"id\":")
        out.string(row.id)
        out.raw(",\"key\":")
        out.string(row.id)
        out.raw(",\"value\":{\"rev\":")
        out.string(row.rev.description)
        if row.deleted { out.raw(",\"deleted\":true") }
        out.raw("}")
        if includeDocs {
            out.raw(",\"doc\":")
            if let doc = row.doc {
                var extras: [(String, JSONValue)] = []
                if conflicts, let tree = row.tree {
                    let list = Self.conflicts(tree, deleted: false)
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
