import JSON

/// Reads user documents (`org.couchdb.user:<name>`) from this server's `_users` database.
struct StoreUserDirectory: UserDirectory {
    let registry: DatabaseRegistry

    func userDocument(name: String) async throws -> JSONValue? {
        guard let users = try await registry.database("_users"),
              let (record, revision) = try await users.document(id: "org.couchdb.user:" + name, rev: nil),
              !record.deleted, let revision
        else { return nil }
        return try DocumentJSON.value(id: record.id, revision: revision)
    }
}
