import JSON

/// `/{db}/_local/{id}`: documents without revision trees (`0-N` revisions, no conflicts).
extension CouchService {
    func localDocument(_ context: DatabaseContext, id: String) async throws -> CouchResponse {
        switch context.request.method {
        case "GET", "HEAD":
            try context.authorize(.read)
            guard let doc = try await context.store.localDocument(id: id) else { throw CouchHTTPError.notFound() }
            var extras: [(String, JSONValue)] = []
            if context.request.query.bool("revs") { extras.append(("_revisions", ["start": 0, "ids": [.string(String(doc.rev))]])) }
            return CouchResponse(status: 200, body: .bytes(Self.localJSON(doc, extras: extras), contentType: "application/json"))
        case "PUT":
            return try await putLocal(context, id: id)
        case "DELETE":
            try context.authorize(.write)
            guard try await context.store.deleteLocalDocument(id: id) else { throw CouchHTTPError.notFound() }
            return Self.json(200, ["ok": true, "id": .string(id), "rev": "0-0"])
        default:
            throw methodNotAllowed("DELETE,GET,HEAD,PUT")
        }
    }

    func putLocal(_ context: DatabaseContext, id: String) async throws -> CouchResponse {
        try context.authorize(.write)
        let edit = try await parseEdit(context, id: id)
        let given = edit.rev ?? context.request.query["rev"].flatMap(RevisionID.init)
        let rev = try await context.store.putLocalDocument(id: id, givenRev: given?.hashNumber ?? 0, body: edit.body)
        return Self.json(201, ["ok": true, "id": .string(id), "rev": .string("0-\(rev)")],
                         headers: [("Location", documentLocation(context, id: id))])
    }

    static func localJSON(_ doc: LocalDocument, extras: [(String, JSONValue)] = []) -> [UInt8] {
        DocumentJSON.bytes(
            id: doc.id, revision: StoredRevision(rev: RevisionID(generation: 0, hash: String(doc.rev)), deleted: false, body: doc.body, attachments: []),
            extras: extras)
    }

    /// `_local_docs`: like `_all_docs` over `_local` documents, with null totals.
    func localDocs(_ context: DatabaseContext) async throws -> CouchResponse {
        try context.authorize(.read)
        let (query, _) = try allDocsQuery(context)
        let docs = try await context.store.localDocuments(query)
        var out = JSONBytes()
        out.raw("{\"total_rows\":null,\"offset\":null,\"rows\":[")
        for (i, doc) in docs.enumerated() {
            if i > 0 { out.raw(",") }
            out.raw("{\"id\":")
            out.string(doc.id)
            out.raw(",\"key\":")
            out.string(doc.id)
            out.raw(",\"value\":{\"rev\":")
            out.string("0-\(doc.rev)")
            out.raw("}")
            if query.includeDocs {
                out.raw(",\"doc\":")
                out.raw(Self.localJSON(doc))
            }
            out.raw("}")
        }
        out.raw("]}")
        return CouchResponse(status: 200, body: out.response)
    }
}

extension RevisionID {
    /// The hash read as a number (`_local` revisions are `0-N`).
    var hashNumber: Int? { Int(hash) }
}
