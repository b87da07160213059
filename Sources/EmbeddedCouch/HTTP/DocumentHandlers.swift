import JSON

/// `/{db}/{docid}`: GET, HEAD, PUT, DELETE of documents (design and `_local` included).
extension CouchService {
    func documentRequest(_ context: DatabaseContext) async throws -> CouchResponse {
        let request = context.request
        let segments = request.path.segments
        let id: String
        var rest = ArraySlice<String>()
        switch segments[1] {
        case "_design":
            guard segments.count >= 3, !segments[2].isEmpty else { return try invalidReservedID(context, local: false) }
            id = "_design/" + segments[2]
            rest = segments.dropFirst(3)
            if let next = rest.first, next.hasPrefix("_") { return try await designRequest(context, id: id, rest: rest) }
        case "_local":
            guard segments.count >= 3, !segments[2].isEmpty else { return try invalidReservedID(context, local: true) }
            return try await localDocument(context, id: "_local/" + segments[2])
        default:
            id = segments[1]
            rest = segments.dropFirst(2)
            if id.hasPrefix("_local/") { return try await localDocument(context, id: id) }
            if id.hasPrefix("_design/"), request.method == "GET" || request.method == "HEAD" {
                let location = request.origin + "/" + request.path.raw[0] + "/_design/" + PercentEncoding.encodeSegment(String(id.dropFirst(8)))
                return CouchResponse(status: 301, headers: [("Location", location)], body: .empty)
            }
        }
        if !rest.isEmpty { return try await attachmentRequest(context, id: id, name: rest.joined(separator: "/")) }
        switch request.method {
        case "GET", "HEAD": return try await getDocument(context, id: id)
        case "PUT": return try await putDocument(context, id: id)
        case "DELETE": return try await deleteDocument(context, id: id)
        case "POST": throw CouchHTTPError.badRequest("Referer header required.")
        case "COPY": return try await copyDocument(context, id: id)
        default: throw methodNotAllowed("DELETE,GET,HEAD,POST,PUT,COPY")
        }
    }

    /// `_design` or `_local` without a name.
    private func invalidReservedID(_ context: DatabaseContext, local: Bool) throws -> CouchResponse {
        switch context.request.method {
        case "PUT", "POST", "DELETE":
            if local { throw CouchHTTPError.badRequest("Invalid _local document id.") }
            throw CouchHTTPError(status: 400, error: "illegal_docid", reason: "Only reserved document ids may start with underscore.")
        default:
            try context.authorize(.read)
            throw CouchHTTPError.notFound()
        }
    }

    /// `/{db}/_design/{name}/_…`: views; any other endpoint is 404.
    private func designRequest(_ context: DatabaseContext, id: String, rest: ArraySlice<String>) async throws -> CouchResponse {
        if rest.first == "_view" { return try await viewRequest(context, designID: id, rest: rest) }
        try context.authorize(.read)
        throw CouchHTTPError.notFound()
    }

    // MARK: GET

    private func getDocument(_ context: DatabaseContext, id: String) async throws -> CouchResponse {
        try context.authorize(.read)
        let q = context.request.query
        if let openRevs = q["open_revs"] { return try await openRevisions(context, id: id, openRevs: openRevs) }
        let rev = try q["rev"].map { text throws(CouchHTTPError) in
            guard let r = RevisionID(text) else { throw .badRequest("Invalid rev format") }
            return r
        }
        guard let (record, stored) = try await context.store.document(id: id, rev: rev) else { throw CouchHTTPError.notFound() }
        if rev == nil && record.deleted { throw CouchHTTPError.notFound("deleted") }
        guard let revision = stored else { throw CouchHTTPError.notFound() }
        let etag = "\"\(revision.rev)\""
        if let none = context.request.header("if-none-match"), none == etag {
            return CouchResponse(status: 304, headers: [("ETag", etag)], body: .empty)
        }
        var extras: [(String, JSONValue)] = []
        let meta = q.bool("meta")
        if q.bool("revs") { extras.append(("_revisions", Self.revisionsJSON(record.tree, from: revision.rev))) }
        if rev == nil && (q.bool("revs_info") || meta) {
            extras.append(("_revs_info", .array(record.tree.path(from: revision.rev).map { node in
                ["rev": .string(node.rev.description), "status": .string(!node.available ? "missing" : node.deleted ? "deleted" : "available")]
            })))
        }
        if q.bool("conflicts") || meta {
            let conflicts = Self.conflicts(record.tree, deleted: false)
            if !conflicts.isEmpty { extras.append(("_conflicts", .array(conflicts))) }
        }
        if q.bool("deleted_conflicts") || meta {
            let conflicts = Self.conflicts(record.tree, deleted: true)
            if !conflicts.isEmpty { extras.append(("_deleted_conflicts", .array(conflicts))) }
        }
        if q.bool("local_seq") { extras.append(("_local_seq", .int(record.seq))) }
        var options = DocumentJSON.AttachmentOptions(data: nil, encodingInfo: q.bool("att_encoding_info"))
        if q.bool("attachments") && !revision.attachments.isEmpty {
            options.data = try await context.store.attachmentData(digests: revision.attachments.map(\.digest))
            if !context.request.acceptsJSON {
                return try await multipartDocument(context, id: id, revision: revision, extras: extras, data: options.data ?? [:], etag: etag)
            }
        }
        let bytes = DocumentJSON.bytes(id: id, revision: revision, attachments: options, extras: extras)
        return CouchResponse(status: 200, headers: [("ETag", etag)], body: .bytes(bytes, contentType: "application/json"))
    }

    /// `_revisions`: the generation of `rev` and the hashes of its ancestry, newest first.
    static func revisionsJSON(_ tree: RevisionTree, from rev: RevisionID) -> JSONValue {
        var ids: [JSONValue] = []
        var expected = rev.generation
        for node in tree.path(from: rev) {
            guard node.rev.generation == expected else { break }
            ids.append(.string(node.rev.hash))
            expected -= 1
        }
        return ["start": .int(rev.generation), "ids": .array(ids)]
    }

    /// The losing leaves, deleted or not, highest first.
    static func conflicts(_ tree: RevisionTree, deleted: Bool) -> [JSONValue] {
        tree.sortedLeaves.dropFirst().filter { $0.deleted == deleted }.map { .string($0.rev.description) }
    }

    /// `?open_revs=all` or `?open_revs=[...]`, answered as JSON (`[{"ok": doc}, {"missing": rev}]`).
    private func openRevisions(_ context: DatabaseContext, id: String, openRevs: String) async throws -> CouchResponse {
        let record = try await context.store.record(id: id)
        var wanted: [RevisionID]
        if openRevs == "all" {
            guard let record else { throw CouchHTTPError.notFound() }
            wanted = record.tree.sortedLeaves.map(\.rev)
        } else {
            guard let list = (try? JSONParser.parse(openRevs))?.arrayValue else { throw CouchHTTPError.badRequest("invalid UTF-8 JSON") }
            wanted = try list.map { v throws(CouchHTTPError) in
                guard let s = v.stringValue, let r = RevisionID(s) else { throw .badRequest("Invalid rev format") }
                return r
            }
        }
        let available = record.map { r in wanted.map { r.tree.node($0)?.available == true } } ?? wanted.map { _ in false }
        let bodies = try await context.store.revisions(id: id, revs: wanted)
        var out = JSONBytes()
        out.raw("[")
        for (i, rev) in wanted.enumerated() {
            if i > 0 { out.raw(",") }
            if available[i], let body = bodies[i] {
                out.raw("{\"ok\":")
                var extras: [(String, JSONValue)] = []
                if context.request.query.bool("revs"), let tree = record?.tree { extras.append(("_revisions", Self.revisionsJSON(tree, from: rev))) }
                DocumentJSON.write(id: id, revision: body, extras: extras, into: &out)
                out.raw("}")
            } else {
                out.raw("{\"missing\":")
                out.string(rev.description)
                out.raw("}")
            }
        }
        out.raw("]")
        return CouchResponse(status: 200, body: out.response)
    }
}
