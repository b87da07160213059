import JSON

/// The single choke point every document write passes before it is stored. The design
/// documents issue plugs `validate_doc_update` in here; today it accepts everything.
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
