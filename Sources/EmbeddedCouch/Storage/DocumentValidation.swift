import JSON

/// The choke point every document write passes inside the store's transaction. It accepts
/// everything: `validate_doc_update` runs just before the transaction, where JavaScript can be
/// awaited (see `CouchService.validatedWrite` in HTTP/WriteValidation.swift).
enum DocumentValidation {
    /// Who writes, and under which security object.
    struct Context: Sendable {
        var user: UserContext
        var security: JSONValue
        /// The database name (for `userCtx.db`).
        var database: String
    }

    /// Whether ``validate(newDoc:oldDoc:user:security:)`` needs the stored document (loading it
    /// costs a read per write, so it is skipped while nothing looks at it).
    static func needsOldDocument(_ context: Context) -> Bool { false }

    /// Accepts or rejects one write (403 `forbidden` / 401 `unauthorized` as CouchDB does).
    static func validate(newDoc: DocumentEdit, oldDoc: StoredRevision?, user: UserContext, security: JSONValue) throws(CouchHTTPError) {}
}
