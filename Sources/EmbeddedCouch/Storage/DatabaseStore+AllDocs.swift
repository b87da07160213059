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
    /// Whether the rows carry their revision trees (for `conflicts` with `include_docs`).
    var trees = false
    /// Only ids with this prefix (`_design/` for `_design_docs`).
    var prefix: String?
}

/// One `_all_docs` row.
struct IDRow: Sendable {
    var id: String
    var rev: RevisionID
    var deleted: Bool
    /// The revision tree, when the query asked for trees.
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
            let tree = query.trees ? "d.tree" : "NULL"
            let columns = query.includeDocs ? "d.id, d.rev, \(tree), r.deleted, r.body, r.atts" : "d.id, d.rev, \(tree)"
            let join = query.includeDocs ? " LEFT JOIN revs r ON r.doc_id = d.id AND r.rev = d.rev" : ""
            let sql = "SELECT \(columns) FROM docs d\(join) WHERE \(conditions.joined(separator: " AND ")) ORDER BY d.id \(query.descending ? "DESC" : "ASC") LIMIT ? OFFSET ?"
            arguments.append(query.limit ?? -1)
            arguments.append(query.skip)
            var rows: [IDRow] = []
            let cursor = try Row.fetchCursor(db.cachedStatement(sql: sql), arguments: StatementArguments(arguments))
            while let row = try cursor.next() {
                guard let rev = RevisionID(row[1] as String) else { continue }
                let id: String = row[0]
                var item = IDRow(id: id, rev: rev, deleted: false, tree: query.trees ? RevisionTree(encoded: row[2]) : nil)
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

    /// `_all_docs` rows for explicit keys (nil for a key the database never had), read a few
    /// hundred ids per statement. With `trees`, rows carry their revision trees.
    func allDocs(keys: [String], includeDocs: Bool, trees: Bool = false) async throws -> (rows: [IDRow?], total: Int) {
        try await pool.read { db in
            let total = try Counters.load(db).docs
            var found: [String: IDRow] = [:]
            found.reserveCapacity(keys.count)
            let unique = Array(Set(keys))
            var start = 0
            while start < unique.count {
                let chunk = Array(unique[start..<min(start + 500, unique.count)])
                start += chunk.count
                try Self.loadRows(db, ids: chunk, includeDocs: includeDocs, trees: trees) { found[$0.id] = $0 }
            }
            return (keys.map { found[$0] }, total)
        }
    }

    /// The rows of `ids` that exist, in no particular order: winner, deletion, and with
    /// `includeDocs` the winner's body unless it is a deletion.
    private static func loadRows(
        _ db: Database, ids: [String], includeDocs: Bool, trees: Bool, _ body: (IDRow) -> Void
    ) throws {
        let placeholders = Array(repeating: "?", count: ids.count).joined(separator: ",")
        let tree = trees ? "d.tree" : "NULL"
        let sql = includeDocs
            ? """
              SELECT d.id, d.rev, d.deleted, \(tree), r.body, r.atts FROM docs d
              LEFT JOIN revs r ON r.doc_id = d.id AND r.rev = d.rev AND d.deleted = 0 WHERE d.id IN (\(placeholders))
              """
            : "SELECT d.id, d.rev, d.deleted, \(tree) FROM docs d WHERE d.id IN (\(placeholders))"
        let cursor = try Row.fetchCursor(db.cachedStatement(sql: sql), arguments: StatementArguments(ids))
        while let row = try cursor.next() {
            guard let rev = RevisionID(row[1] as String) else { continue }
            var item = IDRow(id: row[0], rev: rev, deleted: (row[2] as Int) != 0, tree: trees ? RevisionTree(encoded: row[3]) : nil)
            if includeDocs, !item.deleted, let data = row[4] as Data? {
                let atts: Data? = row[5]
                item.doc = StoredRevision(rev: rev, deleted: false, body: [UInt8](data),
                                          attachments: atts.map { AttachmentInfo.decode([UInt8]($0)) } ?? [])
            }
            body(item)
        }
    }
}
