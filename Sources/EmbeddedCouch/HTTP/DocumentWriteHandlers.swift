import JSON

/// Document writes: PUT, POST /db, DELETE, COPY, and what they share.
extension CouchService {
    func putDocument(_ context: DatabaseContext, id: String) async throws -> CouchResponse {
        try DocumentID.validate(id)
        try context.authorize(id.hasPrefix("_design/") ? .designWrite : .write)
        let request = context.request
        var edit = try await parseEdit(context, id: id)
        let queryRev = try request.query["rev"].map { text throws(CouchHTTPError) in
            guard let r = RevisionID(text) else { throw .badRequest("Invalid rev format") }
            return r
        }
        let etagRev = try Self.ifMatchRevision(request)
        if let queryRev, let bodyRev = edit.rev, queryRev != bodyRev {
            throw CouchHTTPError.badRequest("Document rev from request body and query string have different values")
        }
        if let etagRev, let bodyRev = edit.rev, etagRev != bodyRev {
            throw CouchHTTPError.badRequest("Document rev and etag have different values")
        }
        edit.rev = edit.rev ?? queryRev ?? etagRev
        let newEdits = request.query["new_edits"] != "false"
        let rev = try await writeOne(context, edit, newEdits: newEdits)
        if request.query["batch"] == "ok" { return Self.json(202, ["ok": true, "id": .string(id)]) }
        return Self.json(edit.deleted ? 200 : 201, ["ok": true, "id": .string(id), "rev": .string(rev.description)],
                         headers: [("ETag", "\"\(rev)\""), ("Location", documentLocation(context, id: id))])
    }

    func postDocument(_ context: DatabaseContext) async throws -> CouchResponse {
        try context.request.requireJSONContentType()
        var edit = try await parseEdit(context, id: nil)
        if edit.id.isEmpty { edit.id = Self.newUUID() }
        if edit.id.hasPrefix("_local/") { return try await putLocal(context, id: edit.id) }
        try DocumentID.validate(edit.id)
        try context.authorize(edit.id.hasPrefix("_design/") ? .designWrite : .write)
        let rev = try await writeOne(context, edit, newEdits: true)
        if context.request.query["batch"] == "ok" { return Self.json(202, ["ok": true, "id": .string(edit.id)]) }
        return Self.json(201, ["ok": true, "id": .string(edit.id), "rev": .string(rev.description)],
                         headers: [("ETag", "\"\(rev)\""), ("Location", documentLocation(context, id: edit.id))])
    }

    func deleteDocument(_ context: DatabaseContext, id: String) async throws -> CouchResponse {
        try context.authorize(id.hasPrefix("_design/") ? .designWrite : .write)
        let request = context.request
        let queryRev = try request.query["rev"].map { text throws(CouchHTTPError) in
            guard let r = RevisionID(text) else { throw .badRequest("Invalid rev format") }
            return r
        }
        guard let record = try await context.store.record(id: id) else { throw CouchHTTPError.notFound() }
        if record.deleted { throw CouchHTTPError.notFound("deleted") }
        let etagRev = try Self.ifMatchRevision(request)
        guard let rev = queryRev ?? etagRev else { throw CouchHTTPError.conflict() }
        if context.store.name == "_users" {
            // Only admins and the user themself may delete a user document.
            let old = try await Self.currentDocument(context.store, id: id)
            _ = try UsersDatabaseRules.prepare(
                newDoc: ["_id": .string(id), "_deleted": true], oldDoc: old, user: request.user, security: context.security)
        }
        let edit = DocumentEdit(id: id, rev: rev, revisions: nil, deleted: true, body: Array("{}".utf8), attachments: nil)
        let newRev = try await writeOne(context, edit, newEdits: true)
        return Self.json(200, ["ok": true, "id": .string(id), "rev": .string(newRev.description)], headers: [("ETag", "\"\(newRev)\"")])
    }

    /// `COPY /db/source` with `Destination: target` (or `target?rev=R` to overwrite): the
    /// source revision's body and attachments as a new revision of the target.
    func copyDocument(_ context: DatabaseContext, id: String) async throws -> CouchResponse {
        try context.authorize(.read)
        let request = context.request
        guard let destination = request.header("destination"), !destination.isEmpty else {
            throw CouchHTTPError.badRequest("Destination header is mandatory for COPY.")
        }
        let parts = destination.split(separator: "?", maxSplits: 1)
        let target = PercentEncoding.decode(parts[0], plusAsSpace: false)
        let targetRev = try parts.count > 1 ? QueryParameters(rawQuery: parts[1])["rev"].map { text throws(CouchHTTPError) in
            guard let r = RevisionID(text) else { throw .badRequest("Invalid rev format") }
            return r
        } : nil
        try DocumentID.validate(target)
        try context.authorize(target.hasPrefix("_design/") ? .designWrite : .write)
        let sourceRev = request.query["rev"].flatMap(RevisionID.init)
        guard let (record, stored) = try await context.store.document(id: id, rev: sourceRev),
              sourceRev != nil || !record.deleted, let source = stored
        else { throw CouchHTTPError.notFound() }
        var edit = DocumentEdit(
            id: target, rev: targetRev, revisions: nil, deleted: false, body: source.body,
            attachments: source.attachments.map { ($0.name, IncomingAttachment.stored($0)) })
        try await applyUsersRules(context, to: &edit)
        let rev = try await writeOne(context, edit, newEdits: true)
        return Self.json(201, ["ok": true, "id": .string(target), "rev": .string(rev.description)],
                         headers: [("ETag", "\"\(rev)\""), ("Location", documentLocation(context, id: target))])
    }

    /// In `_users`, writes that do not come with a body of their own (COPY, attachment
    /// uploads) still pass ``UsersDatabaseRules``: the resulting document is shown to them and
    /// their answer becomes the body.
    func applyUsersRules(_ context: DatabaseContext, to edit: inout DocumentEdit) async throws {
        guard context.store.name == "_users" else { return }
        var document = try JSONParser.parse(edit.body)
        if case .object(var members) = document {
            members["_id"] = .string(edit.id)
            if let rev = edit.rev { members["_rev"] = .string(rev.description) }
            document = .object(members)
        }
        let old = try await Self.currentDocument(context.store, id: edit.id)
        let prepared = try UsersDatabaseRules.prepare(newDoc: document, oldDoc: old, user: context.request.user, security: context.security)
        edit.body = try DocumentEdit.parse(prepared, id: edit.id).body
    }

    /// The body of a document write, taken apart (413 when over the size limit; `_users`
    /// documents pass through ``UsersDatabaseRules``).
    func parseEdit(_ context: DatabaseContext, id: String?) async throws -> DocumentEdit {
        let request = context.request
        var value = try request.jsonBody()
        if context.store.name == "_users" {
            let userID = id ?? value["_id"]?.stringValue
            let old = try await userID.asyncMap { try await Self.currentDocument(context.store, id: $0) } ?? nil
            // The rules check the id against the name, so the URL's id goes into the document.
            if let id, case .object(var members) = value {
                members["_id"] = .string(id)
                value = .object(members)
            }
            value = try UsersDatabaseRules.prepare(newDoc: value, oldDoc: old, user: request.user, security: context.security)
        }
        let edit = try DocumentEdit.parse(value, id: id)
        // CouchDB's max_document_size applies to the JSON body without inline attachments.
        if edit.body.count > maxDocumentBytes {
            throw CouchHTTPError(status: 413, error: "document_too_large", reason: edit.id)
        }
        if edit.id.hasPrefix("_design/") {
            try Self.checkDesignDocument(value)
            try await compileDesignDocument(value)
        }
        return edit
    }

    /// The current winning revision of a document as a value; nil when missing or deleted.
    static func currentDocument(_ store: DatabaseStore, id: String) async throws -> JSONValue? {
        guard let (record, revision) = try await store.document(id: id, rev: nil), !record.deleted, let revision else { return nil }
        return try DocumentJSON.value(id: id, revision: revision)
    }

    /// The shape checks CouchDB makes when a design document is saved.
    static func checkDesignDocument(_ value: JSONValue) throws(CouchHTTPError) {
        guard let views = value["views"] else { return }
        guard case .object(let members) = views else {
            throw CouchHTTPError(status: 400, error: "invalid_design_doc", reason: "`views` field must have object type")
        }
        for (name, view) in members where view["map"] == nil {
            throw CouchHTTPError(status: 400, error: "invalid_design_doc", reason: "View `\(name)` must contain map function")
        }
    }

    /// Writes one document and returns its new revision (or throws its error).
    func writeOne(_ context: DatabaseContext, _ edit: DocumentEdit, newEdits: Bool) async throws -> RevisionID {
        let results = try await validatedWrite(context, [edit], newEdits: newEdits)
        switch results.first {
        case .success(let rev): return rev
        case .failure(let error): throw error
        case nil: throw CouchHTTPError(status: 500, error: "unknown_error", reason: "no write result")
        }
    }

    /// The revision in an `If-Match` header (quotes removed).
    static func ifMatchRevision(_ request: CouchRequest) throws(CouchHTTPError) -> RevisionID? {
        guard var text = request.header("if-match") else { return nil }
        text = text.trimming(" \"")
        guard let rev = RevisionID(text) else { throw .badRequest("Invalid rev format") }
        return rev
    }

    func documentLocation(_ context: DatabaseContext, id: String) -> String {
        context.request.origin + "/" + PercentEncoding.encodeSegment(context.store.name) + "/" + PercentEncoding.encodeSegment(id)
    }
}
