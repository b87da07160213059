import JSON
import ViewEngine

/// `validate_doc_update` on every document write, and the compile check of design documents.
///
/// The store applies writes in a synchronous SQLite transaction, so the JavaScript runs
/// before it: each edit's parent is found as the store will find it (a stale revision is left
/// for the store to answer 409, without validation, as CouchDB does) and every design
/// document's function sees `newDoc`, `oldDoc`, `userCtx` and `secObj`. An edit whose parent
/// changes in between fails in the store with 409, so no write skips its validation.
extension CouchService {
    /// Validates `edits`, stores those that pass, and returns one result per edit in order.
    func validatedWrite(_ context: DatabaseContext, _ edits: [DocumentEdit], newEdits: Bool) async throws -> [DatabaseStore.WriteResult] {
        let validators = try await views.designs.validators(context.store)
        var rejected: [Int: CouchHTTPError] = [:]
        if !validators.isEmpty {
            for (i, edit) in edits.enumerated() where !edit.id.hasPrefix("_design/") && !edit.id.hasPrefix("_local/") {
                if let error = try await validate(context, edit, newEdits: newEdits, validators: validators) { rejected[i] = error }
            }
        }
        let accepted = edits.indices.filter { rejected[$0] == nil }
        let written = accepted.isEmpty
            ? []
            : try await context.store.write(accepted.map { edits[$0] }, newEdits: newEdits, context: context.validation)
        var results: [DatabaseStore.WriteResult] = []
        results.reserveCapacity(edits.count)
        var next = written.makeIterator()
        var designChanged = false
        for i in edits.indices {
            if let error = rejected[i] {
                results.append(.failure(error))
            } else if let result = next.next() {
                if case .success = result, edits[i].id.hasPrefix("_design/") { designChanged = true }
                results.append(result)
            }
        }
        // A changed or deleted design document's old index is of no further use.
        if designChanged { try await dropStaleViewIndexes(context.store) }
        return results
    }

    /// Drops the indexes no live design document uses (also `POST /db/_view_cleanup`).
    func dropStaleViewIndexes(_ store: DatabaseStore) async throws {
        let live = try await views.designs.designs(store)
        try await store.dropViewIndexes(keeping: Set(live.map { $0.id + "|" + $0.signature }))
    }

    /// The rejection of one edit, or nil when it may be written (or the store will refuse it).
    private func validate(
        _ context: DatabaseContext, _ edit: DocumentEdit, newEdits: Bool, validators: [DesignDocument]
    ) async throws -> CouchHTTPError? {
        let store = context.store
        let record = try await store.record(id: edit.id)
        var oldRev: RevisionID?
        if newEdits {
            if let rev = edit.rev {
                if let record {
                    guard record.tree.index(of: rev) != nil, record.tree.isLeaf(rev) else { return nil }
                    oldRev = rev
                }
            } else if let record, !record.deleted {
                return nil
            }
        } else {
            guard let rev = edit.rev else { return nil }
            if let record {
                if record.tree.contains(rev) { return nil }
                oldRev = (edit.revisions ?? []).dropFirst().first { record.tree.index(of: $0) != nil }
            }
        }
        var oldDocument: JSONValue?
        if let oldRev, let (_, revision) = try await store.document(id: edit.id, rev: oldRev), let revision {
            oldDocument = try DocumentJSON.value(id: edit.id, revision: revision)
        }
        let newDocument = try Self.validationDocument(edit)
        let user = context.request.user
        let userContext: JSONValue = [
            "db": .string(store.name),
            "name": user.name.map(JSONValue.string) ?? .null,
            "roles": .array(user.roles.map(JSONValue.string)),
        ]
        for design in validators {
            let outcome: ValidationOutcome
            do {
                outcome = try await views.pool.validate(
                    design, newDocument: newDocument, oldDocument: oldDocument, userContext: userContext, securityObject: context.security)
            } catch let error as ViewEngineError {
                return CouchHTTPError(status: error.httpStatus, error: error.couchError, reason: error.reason)
            }
            switch outcome {
            case .allowed: continue
            case .forbidden(let reason): return .forbidden(reason)
            case .unauthorized(let reason): return .unauthorized(reason)
            case .failed(let error, let reason): return CouchHTTPError(status: 500, error: error, reason: reason)
            }
        }
        return nil
    }

    /// `newDoc` as CouchDB shows it to `validate_doc_update`: the edit before it gets its new
    /// revision (`_rev` is the one it replaces), with `_deleted` and attachment stubs.
    static func validationDocument(_ edit: DocumentEdit) throws -> JSONValue {
        var out = JSONBytes(capacity: edit.body.count + 96)
        out.raw("{\"_id\":")
        out.string(edit.id)
        if let rev = edit.rev {
            out.raw(",\"_rev\":")
            out.string(rev.description)
        }
        if edit.body.count > 2 {
            out.raw(",")
            out.bytes.append(contentsOf: edit.body[1..<(edit.body.count - 1)])
        }
        if let attachments = edit.attachments, !attachments.isEmpty {
            var object = JSONObject()
            for (name, attachment) in attachments {
                switch attachment {
                case .stub: object[name] = ["stub": true]
                case .stored(let info): object[name] = ["content_type": .string(info.contentType), "length": .number(JSONNumber(info.length)), "stub": true]
                case .data(let type, let bytes): object[name] = ["content_type": .string(type), "length": .number(JSONNumber(bytes.count)), "stub": true]
                }
            }
            out.key("_attachments")
            out.value(.object(object))
        }
        if edit.deleted { out.raw(",\"_deleted\":true") }
        out.raw("}")
        return try JSONParser.parse(out.bytes)
    }

    /// The compile check CouchDB makes when a design document is saved: every map, reduce and
    /// `validate_doc_update` must compile (400 `compilation_error`), built-in reduces must
    /// exist (400 `invalid_design_doc`). Non-JavaScript design documents are stored unchecked.
    func compileDesignDocument(_ value: JSONValue) async throws {
        if value["_deleted"]?.boolValue == true { return }
        if let language = value["language"], language != .string("javascript") { return }
        let design: DesignDocument
        do {
            design = try DesignDocument(value)
        } catch {
            throw CouchHTTPError(status: error.httpStatus, error: error.couchError, reason: error.reason)
        }
        do {
            try await views.pool.compile(design)
        } catch let error as ViewEngineError {
            throw CouchHTTPError(status: error.httpStatus, error: error.couchError, reason: error.reason)
        }
    }
}
