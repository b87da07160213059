import JSON

/// The answer to a successful single-document write (`PUT`, `POST`, `DELETE`, attachments).
public struct WriteResult: Sendable, Hashable {
    /// The document id.
    public var id: String
    /// The new revision.
    public var rev: String
    /// False when the server answered 202 Accepted: on a CouchDB cluster the write reached
    /// fewer than a quorum of replicas and may still lose to a concurrent write. Callers that
    /// must know they won (a lease) treat it as "not won"; see ``requireDurable()``.
    public var durable: Bool

    /// Makes a result.
    public init(id: String, rev: String, durable: Bool = true) {
        self.id = id
        self.rev = rev
        self.durable = durable
    }

    /// This result if it is durable; otherwise a ``CouchError`` with code ``CouchError/Code/accepted``.
    @discardableResult
    public func requireDurable() throws(CouchError) -> WriteResult {
        guard durable else {
            throw CouchError(
                code: .accepted, status: 202, error: "accepted",
                reason: "the write of \(id) (\(rev)) was accepted but is not durable on a quorum")
        }
        return self
    }

    /// Reads `{"ok": true, "id": …, "rev": …}`.
    static func from(_ response: CouchResponse, id fallbackID: String? = nil) throws(CouchError) -> WriteResult {
        let body = try response.object()
        guard let rev = body["rev"]?.stringValue else { throw response.decodingError("missing string member `rev`") }
        guard let id = body["id"]?.stringValue ?? fallbackID else { throw response.decodingError("missing string member `id`") }
        return WriteResult(id: id, rev: rev, durable: response.durable)
    }
}

/// The per-document outcome of a `_bulk_docs` request.
public struct BulkDocResult: Sendable, Hashable {
    /// What happened to one document.
    public enum Outcome: Sendable, Hashable {
        /// Written with this revision.
        case saved(rev: String)
        /// Refused: CouchDB's `error` (`conflict`, `forbidden`, `unauthorized`…) and `reason`.
        case rejected(error: String, reason: String)
    }

    /// The document id (nil only if the server did not say).
    public var id: String?
    /// Saved or rejected.
    public var outcome: Outcome
    /// False when the whole request was answered 202 Accepted (see ``WriteResult/durable``).
    public var durable: Bool

    /// Makes a result.
    public init(id: String?, outcome: Outcome, durable: Bool = true) {
        self.id = id
        self.outcome = outcome
        self.durable = durable
    }

    /// The new revision, when saved.
    public var rev: String? {
        if case .saved(let rev) = outcome { return rev }
        return nil
    }

    /// True when saved.
    public var ok: Bool { rev != nil }

    /// The rejection as a ``CouchError`` (a `conflict` becomes ``CouchError/Code/conflict``,
    /// `forbidden` ``CouchError/Code/forbidden`` …), or nil when saved.
    public var error: CouchError? {
        guard case .rejected(let error, let reason) = outcome else { return nil }
        let code: CouchError.Code
        switch error {
        case "conflict": code = .conflict
        case "forbidden": code = .forbidden
        case "unauthorized": code = .unauthorized
        case "not_found": code = .notFound
        case "not_implemented": code = .expectationFailed
        case "illegal_docid", "doc_validation", "bad_request": code = .badRequest
        case "missing_stub": code = .preconditionFailed
        default: code = .unexpectedStatus
        }
        return CouchError(code: code, error: error, reason: reason, method: "POST", path: "_bulk_docs \(id ?? "")")
    }

    /// The saved result as a ``WriteResult``, or the rejection thrown as a ``CouchError``.
    public func get() throws(CouchError) -> WriteResult {
        if let error { throw error }
        return WriteResult(id: id ?? "", rev: rev ?? "", durable: durable)
    }
}
