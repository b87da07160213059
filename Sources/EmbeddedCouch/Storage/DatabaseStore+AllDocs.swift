import Foundation
import GRDB

/// A range query over document ids, in raw code-point order (SQLite's binary collation of UTF-8).
struct IDRangeQuery: Sendable {
    var startKey: String?
    var endKey: String?
    var inclusiveEnd = true
    var descending = false
    var limit: Int?
    var skip = 0
    var includeDocs = false
    /// Only ids with this prefix (`_design/` for `_design_docs`).
    var prefix: String?
}

/// One `_all_docs` row.
struct IDRow: Sendable {
    var id: String
    var rev: RevisionID
    var deleted: Bool
    var tree: RevisionTree?
    var doc: StoredRevision?
}

extension DatabaseStore {
    /// Rows of `_all_docs` for a range, the total number of live documents and the offset.
    func allDocs(_ query: IDRangeQuery) async throws -> (rows: [IDRow], total: Int, offset: Int) {
        try await pool.read { db in
            let total = try Counters.load(db).docs
            var conditions = ["d.deleted = 0"]
            var arguments: [(any DatabaseValueConvertible)?] = []
            let (lowOp, highOp) = query.descending ? ("<=", query.inclusiveEnd ? ">=" : ">") : (">=", query.inclusiveEnd ? "<=" : "<")
            if let start = query.startKey {
                conditions.append("d.id \(lowOp) ?")
                arguments.append(start)
            }
            if let end = query.endKey {
                conditions.append("d.id \(highOp) ?")
                arguments.append(end)
            }
            if let prefix = query.prefix {
                conditions.append("substr(d.id, 1, ?) = ?")
                arguments.append(prefix.utf8.count)
                arguments.append(prefix)
            }
            let columns = query.includeDocs ? "d.id, d.rev, d.tree, r.deleted, r.body, r.atts" : "d.id, d.rev, d.tree"
            let join = query.includeDocs ? " LEFT JOIN revs r ON r.doc_id = d.id AND r.rev = d.rev" : ""
            let sql = "SELECT \(columns) FROM docs d\(join) WHERE \(conditions.joined(separator: " AND ")) ORDER BY d.id \(query.descending ? "DESC" : "ASC") LIMIT ? OFFSET ?"
            arguments.append(query.limit ?? -1)
            arguments.append(query.skip)
            var rows: [IDRow] = []
            let cursor = try Row.fetchCursor(db.cachedStatement(sql: sql), arguments: StatementArguments(arguments))
            while let row = try cursor.next() {
                guard let rev = RevisionID(row[1] as String) else { continue }
                let id: String = row[0]
                var item = IDRow(id: id, rev: rev, deleted: false, tree: RevisionTree(encoded: row[2]))
                if query.includeDocs, let body = row[4] as Data? {
                    let atts: Data? = row[5]
                    item.doc = StoredRevision(rev: rev, deleted: false, body: [UInt8](body),
                                              attachments: atts.map { AttachmentInfo.decode([UInt8]($0)) } ?? [])
                }
                rows.append(item)
            }
            var offset = 0
            if let start = query.startKey {
                let op = query.descending ? ">" : "<"
                offset = try Int.fetchOne(db, sql: "SELECT count(*) FROM docs WHERE deleted = 0 AND id \(op) ?", arguments: [start]) ?? 0
            }
            return (rows, total, min(total, offset + query.skip))
        }
    }

    /// `_all_docs` rows for explicit keys (nil for a key the database never had).
    func allDocs(keys: [String], includeDocs: Bool) async throws -> (rows: [IDRow?], total: Int) {
        try await pool.read { db in
            let total = try Counters.load(db).docs
            var rows: [IDRow?] = []
            for key in keys {
                guard let record = try Self.loadRecord(db, id: key) else { rows.append(nil); continue }
                var row = IDRow(id: key, rev: record.winner, deleted: record.deleted, tree: record.tree)
                if includeDocs && !record.deleted { row.doc = try Self.loadRevision(db, id: key, rev: record.winner) }
                rows.append(row)
            }
            return (rows, total)
        }
    }
}
