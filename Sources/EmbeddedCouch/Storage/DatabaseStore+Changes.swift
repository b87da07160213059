import Foundation
import GRDB

/// Which documents a `_changes` request wants.
enum ChangesFilter: Sendable {
    case all
    case docIDs(Set<String>)
    case design
}

/// One `_changes` request against the by-sequence index.
struct ChangesQuery: Sendable {
    var since = 0
    var descending = false
    var limit: Int?
    var filter = ChangesFilter.all
    var includeDocs = false
}

/// One `_changes` row: a document at its latest sequence.
struct ChangeRow: Sendable {
    var seq: Int
    var id: String
    var deleted: Bool
    var tree: RevisionTree
    var winner: RevisionID
    var doc: StoredRevision?
}

extension DatabaseStore {
    /// The changes after `since`, the sequence to resume from and how many changes remain.
    func changes(_ query: ChangesQuery) async throws -> (rows: [ChangeRow], lastSeq: Int, pending: Int) {
        try await pool.read { db in
            let sql = query.descending
                ? "SELECT id, seq, rev, deleted, tree FROM docs ORDER BY seq DESC"
                : "SELECT id, seq, rev, deleted, tree FROM docs WHERE seq > ? ORDER BY seq ASC"
            let arguments: StatementArguments = query.descending ? [] : [query.since]
            var rows: [ChangeRow] = []
            var lastSeq = query.descending ? 0 : query.since
            if query.limit != 0 {
                let cursor = try Row.fetchCursor(db.cachedStatement(sql: sql), arguments: arguments)
                while let row = try cursor.next() {
                    let id: String = row[0]
                    let seq: Int = row[1]
                    lastSeq = seq
                    switch query.filter {
                    case .all: break
                    case .docIDs(let ids): if !ids.contains(id) { continue }
                    case .design: if !id.hasPrefix("_design/") { continue }
                    }
                    guard let winner = RevisionID(row[2] as String) else { continue }
                    var change = ChangeRow(seq: seq, id: id, deleted: (row[3] as Int) != 0, tree: RevisionTree(encoded: row[4]), winner: winner)
                    if query.includeDocs { change.doc = try Self.loadRevision(db, id: id, rev: winner) }
                    rows.append(change)
                    if let limit = query.limit, rows.count >= limit { break }
                }
            }
            let remaining = query.descending
                ? try Counters.load(db).total
                : try Int.fetchOne(db.cachedStatement(sql: "SELECT count(*) FROM docs WHERE seq > ?"), arguments: [query.since]) ?? 0
            return (rows, lastSeq, max(0, remaining - rows.count))
        }
    }
}
