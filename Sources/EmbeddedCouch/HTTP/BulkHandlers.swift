import JSON

/// `/{db}/_bulk_docs`: many writes in one transaction, one result per document.
extension CouchService {
    func bulkDocs(_ context: DatabaseContext) async throws -> CouchResponse {
        let request = context.request
        try request.requireJSONContentType()
        guard case .object(let body) = try request.jsonBody() else { throw CouchHTTPError.badRequest("Request body must be a JSON object") }
        guard let docsValue = body["docs"] else { throw CouchHTTPError.badRequest("POST body must include `docs` parameter.") }
        guard let docs = docsValue.arrayValue else { throw CouchHTTPError.badRequest("`docs` parameter must be an array.") }
        let newEdits = body["new_edits"]?.boolValue ?? (request.query["new_edits"] != "false")
        var edits: [DocumentEdit] = []
        edits.reserveCapacity(docs.count)
        var design = false
        var designValues: [JSONValue] = []
        var localEdits: [DocumentEdit] = []
        // Where each document of the request went: false = `edits`, true = `localEdits`.
        var order: [Bool] = []
        for doc in docs {
            var value = doc
            if context.store.name == "_users" {
                let old = try await doc["_id"]?.stringValue.asyncMap { try await Self.currentDocument(context.store, id: $0) } ?? nil
                value = try UsersDatabaseRules.prepare(newDoc: value, oldDoc: old, user: request.user, security: context.security)
            }
            var edit = try DocumentEdit.parse(value, id: nil)
            if edit.id.isEmpty { edit.id = Self.newUUID() }
            if edit.id.hasPrefix("_local/") {
                localEdits.append(edit)
                order.append(true)
                continue
            }
            try DocumentID.validate(edit.id)
            if edit.body.count > maxDocumentBytes {
                throw CouchHTTPError(status: 413, error: "document_too_large", reason: edit.id)
            }
            if edit.id.hasPrefix("_design/") {
                design = true
                try Self.checkDesignDocument(value)
                designValues.append(value)
            }
            edits.append(edit)
            order.append(false)
        }
        try context.authorize(design ? .designWrite : .write)
        for value in designValues { try await compileDesignDocument(value) }
        if body["all_or_nothing"]?.boolValue == true {
            return Self.json(417, .array(edits.map { edit in
                ["id": .string(edit.id), "rev": .string(edit.rev.map { "\($0)" } ?? "0-"), "error": "not_implemented", "reason": "all_or_nothing is not supported"]
            }))
        }
        let results = try await validatedWrite(context, edits, newEdits: newEdits)
        // `_local` documents in a bulk request are stored as PUT stores them.
        var localResults: [(String, Int)] = []
        for edit in localEdits {
            let rev = try await context.store.putLocalDocument(id: edit.id, givenRev: edit.rev?.hashNumber ?? 0, body: edit.body)
            localResults.append((edit.id, rev))
        }
        var out = JSONBytes(capacity: 80 * results.count + 2)
        out.raw("[")
        var first = true
        var nextEdit = 0
        var nextLocal = 0
        for isLocal in order {
            let id: String
            let result: DatabaseStore.WriteResult
            if isLocal {
                let (localID, rev) = localResults[nextLocal]
                nextLocal += 1
                id = localID
                result = .success(RevisionID(generation: 0, hash: String(rev)))
            } else {
                id = edits[nextEdit].id
                result = results[nextEdit]
                nextEdit += 1
                if case .success = result, !newEdits { continue }
            }
            switch result {
            case .success(let rev):
                out.raw(first ? "{\"ok\":true,\"id\":" : ",{\"ok\":true,\"id\":")
                out.string(id)
                out.raw(",\"rev\":")
                out.string(rev.description)
            case .failure(let error):
                out.raw(first ? "{\"id\":" : ",{\"id\":")
                out.string(id)
                out.raw(",\"error\":")
                out.string(error.error)
                out.raw(",\"reason\":")
                out.string(error.reason)
            }
            out.raw("}")
            first = false
        }
        out.raw("]")
        return CouchResponse(status: 201, body: out.response)
    }
}
