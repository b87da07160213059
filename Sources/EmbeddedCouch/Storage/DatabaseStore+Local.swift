import Foundation
import GRDB

/// A `_local` document: no revision tree, no conflicts, not replicated, not in `_changes`.
struct LocalDocument: Sendable {
    var id: String
    /// The `N` of its `0-N` revision.
    var rev: Int
    var body: [UInt8]
}

extension DatabaseStore {
    func localDocument(id: String) async throws -> LocalDocument? {
        try await pool.read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT rev, body FROM local_docs WHERE id = ?"), arguments: [id])
                .map { LocalDocument(id: id, rev: $0[0], body: [UInt8]($0[1] as Data)) }
        }
    }

    /// Stores a `_local` document; its new revision is the given one plus one (CouchDB does
    /// not check it).
    func putLocalDocument(id: String, givenRev: Int, body: [UInt8]) async throws -> Int {
        let rev = givenRev + 1
        try await pool.write { db in
            try db.cachedStatement(sql: "INSERT OR REPLACE INTO local_docs(id, rev, body) VALUES (?, ?, ?)")
                .execute(arguments: [id, rev, Data(body)])
        }
        return rev
    }

    /// Removes a `_local` document; false when there was none.
    func deleteLocalDocument(id: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM local_docs WHERE id = ?", arguments: [id])
            return db.changesCount > 0
        }
    }

    /// `_local_docs` rows for a range.
    func localDocuments(_ query: IDRangeQuery) async throws -> [LocalDocument] {
        try await pool.read { db in
            var conditions = ["1"]
            var arguments: [(any DatabaseValueConvertible)?] = []
            let (lowOp, highOp) = query.descending ? ("<=", query.inclusiveEnd ? ">=" : ">") : (">=", query.inclusiveEnd ? "<=" : "<")
            if let start = query.startKey { conditions.append("id \(lowOp) ?"); arguments.append(start) }
            if let end = query.endKey { conditions.append("id \(highOp) ?"); arguments.append(end) }
            arguments.append(query.limit ?? -1)
            arguments.append(query.skip)
            let sql = "SELECT id, rev, body FROM local_docs WHERE \(conditions.joined(separator: " AND ")) ORDER BY id \(query.descending ? "DESC" : "ASC") LIMIT ? OFFSET ?"
            return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments))
                .map { LocalDocument(id: $0[0], rev: $0[1], body: [UInt8]($0[2] as Data)) }
        }
    }
}
