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
            rejected = try await validate(context, edits, newEdits: newEdits, validators: validators)
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

    /// The rejections among `edits` by position. Stored records and old revisions are read in
    /// one transaction each; each design document's function sees all the writes in one batched
    /// call, which the pool splits and spreads over its children.
    private func validate(
        _ context: DatabaseContext, _ edits: [DocumentEdit], newEdits: Bool, validators: [DesignDocument]
    ) async throws -> [Int: CouchHTTPError] {
        let store = context.store
        let candidates = edits.indices.filter { !edits[$0].id.hasPrefix("_design/") && !edits[$0].id.hasPrefix("_local/") }
        let ids = candidates.map { edits[$0].id }
        let records = try await store.pool.read { db in
            let known = try DatabaseStore.loadRecords(db, ids: ids)
            return ids.map { known[$0] ?? nil }
        }
        // Which edits are validated, and against which stored revision.
        var checks: [(index: Int, oldRev: RevisionID?)] = []
        for (position, i) in candidates.enumerated() {
            if let check = Self.validationBase(edits[i], record: records[position], newEdits: newEdits) {
                checks.append((i, check.oldRev))
            }
        }
        let wanted = checks.compactMap { check in check.oldRev.map { (edits[check.index].id, $0) } }
        let oldRevisions = try await store.pool.read { db in
            try wanted.map { id, rev in try DatabaseStore.loadRevision(db, id: id, rev: rev) }
        }
        var oldDocuments: [Int: JSONValue] = [:]
        var next = oldRevisions.makeIterator()
        for check in checks where check.oldRev != nil {
            if let revision = next.next() ?? nil {
                oldDocuments[check.index] = try DocumentJSON.value(id: edits[check.index].id, revision: revision)
            }
        }
        let user = context.request.user
        let userContext: JSONValue = [
            "db": .string(store.name),
            "name": user.name.map(JSONValue.string) ?? .null,
            "roles": .array(user.roles.map(JSONValue.string)),
        ]
        var pending: [(index: Int, pair: ValidationPair)] = []
        pending.reserveCapacity(checks.count)
        for check in checks {
            let newDocument = Self.validationDocument(edits[check.index])
            pending.append((check.index, ValidationPair(newDocumentJSON: newDocument, oldDocument: oldDocuments[check.index])))
        }
        return try await Self.runValidators(
            validators, pool: views.pool, pending: pending, userContext: userContext, securityObject: context.security)
    }

    /// Whether an edit is validated and against which stored revision (`oldDoc`): nil when
    /// the store will refuse it as a conflict or already has it (so CouchDB runs no function).
    private static func validationBase(_ edit: DocumentEdit, record: DocumentRecord?, newEdits: Bool) -> ValidationBase? {
        if newEdits {
            if let rev = edit.rev {
                guard let record else { return ValidationBase(oldRev: nil) }
                guard record.tree.index(of: rev) != nil, record.tree.isLeaf(rev) else { return nil }
                return ValidationBase(oldRev: rev)
            }
            if let record, !record.deleted { return nil }
            return ValidationBase(oldRev: nil)
        }
        guard let rev = edit.rev else { return nil }
        guard let record else { return ValidationBase(oldRev: nil) }
        if record.tree.contains(rev) { return nil }
        return ValidationBase(oldRev: (edit.revisions ?? []).dropFirst().first { record.tree.index(of: $0) != nil })
    }

    /// The stored revision an edit is validated against (`oldDoc`; nil for none).
    private struct ValidationBase {
        var oldRev: RevisionID?
    }

    /// Runs every design document's function in turn over the writes not yet refused, one
    /// batched call per design document; a write's first rejection wins. A failure of the
    /// query server refuses every write of that call with the error, as it would each alone.
    private static func runValidators(
        _ validators: [DesignDocument], pool: QueryServerPool, pending: [(index: Int, pair: ValidationPair)],
        userContext: JSONValue, securityObject: JSONValue
    ) async throws -> [Int: CouchHTTPError] {
        var rejected: [Int: CouchHTTPError] = [:]
        var pending = pending
        for design in validators where !pending.isEmpty {
            let outcomes: [ValidationOutcome]
            do {
                outcomes = try await pool.validate(
                    design, batch: pending.map(\.pair), userContext: userContext, securityObject: securityObject)
            } catch let error as ViewEngineError {
                let failure = CouchHTTPError(status: error.httpStatus, error: error.couchError, reason: error.reason)
                for write in pending { rejected[write.index] = failure }
                return rejected
            }
            var allowed: [(index: Int, pair: ValidationPair)] = []
            allowed.reserveCapacity(pending.count)
            for (write, outcome) in zip(pending, outcomes) {
                switch outcome {
                case .allowed: allowed.append(write)
                case .forbidden(let reason): rejected[write.index] = .forbidden(reason)
                case .unauthorized(let reason): rejected[write.index] = .unauthorized(reason)
                case .failed(let error, let reason): rejected[write.index] = CouchHTTPError(status: 500, error: error, reason: reason)
                }
            }
            pending = allowed
        }
        return rejected
    }

    /// `newDoc` as CouchDB shows it to `validate_doc_update`: the edit before it gets its new
    /// revision (`_rev` is the one it replaces), with `_deleted` and attachment stubs, as
    /// compact JSON text (the edit's body is already compact JSON written by the store).
    static func validationDocument(_ edit: DocumentEdit) -> [UInt8] {
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
        return out.bytes
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
