import Foundation
import GRDB
import JSON
import ViewEngine

/// One row of a view as stored: the emitted key in three forms (sortable bytes for SQLite's
/// ordering, JSON text for answers) and the emitted value as JSON text.
struct ViewRow: Sendable {
    var id: String
    var key: [UInt8]
    var value: [UInt8]
}

/// Where a design document's index stands: its row id and the last sequence it has mapped.
struct ViewIndexState: Sendable {
    var index: Int64
    var seq: Int
}

/// A row on its way into the index: its view, sort key and number among the document's
/// rows of that view (emitting the same key twice is allowed), and its value when that is a
/// small integer (``BuiltinReduce/smallInteger(_:)``), which SQLite can sum.
struct IndexedRow: Sendable {
    var view: Int
    var sort: [UInt8]
    var number: Int
    var row: ViewRow
    var integer: Int? = nil
}

/// One document's changes for an index: its id, sequence and, unless it is deleted (or a
/// design document, which views never see), its JSON as map functions receive it.
struct IndexSourceDocument: Sendable {
    var id: String
    var seq: Int
    var json: [UInt8]?
}

/// View indexes live in the database's own SQLite file, so they go away with it.
///
/// `view_rows` holds every emitted row keyed by `(index, view, sort key, doc id, emit number)`,
/// clustered in that order (`WITHOUT ROWID`), so range scans read neighbouring pages:
/// ``ViewCollation/sortKey(_:)`` bytes compare with `memcmp` in CouchDB collation order and ids
/// compare as raw bytes as CouchDB's do, so SQLite range-scans and orders rows itself.
/// `num` holds the value when it is a small integer (else NULL), for built-in reduces that
/// SQLite sums (``seekGroups(index:view:range:level:function:maxGroups:scanBelow:)``).
extension DatabaseStore {
    /// Index ids are never reused (`AUTOINCREMENT`), so state cached by id and sequence
    /// (``ViewRanks``) cannot be mistaken for a later index's.
    static func createViewSchema(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE IF NOT EXISTS view_indexes(
                id INTEGER PRIMARY KEY AUTOINCREMENT, ddoc TEXT NOT NULL, signature TEXT NOT NULL, seq INTEGER NOT NULL,
                UNIQUE(ddoc, signature));
            CREATE TABLE IF NOT EXISTS view_rows(
                ix INTEGER NOT NULL, view INTEGER NOT NULL, sort BLOB NOT NULL, doc_id TEXT NOT NULL, n INTEGER NOT NULL,
                key BLOB NOT NULL, value BLOB NOT NULL, num INTEGER, PRIMARY KEY(ix, view, sort, doc_id, n)) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS view_rows_doc ON view_rows(ix, doc_id);
            """)
    }

    /// Adds `num` to a `view_rows` table written before it existed. Its rows keep `num` NULL,
    /// which only means their groups' sums are computed from the values.
    static func upgradeViewSchema(_ db: Database) throws {
        guard try db.tableExists("view_rows"), try !db.columns(in: "view_rows").contains(where: { $0.name == "num" }) else { return }
        try db.execute(sql: "ALTER TABLE view_rows ADD COLUMN num INTEGER")
    }

    /// The index of `design`, created (empty, at sequence 0) when it has none yet.
    func viewIndexState(ddoc: String, signature: String) async throws -> ViewIndexState {
        // Usually the index exists: a read answers without queueing behind writers.
        let existing = try await pool.read { db -> ViewIndexState? in
            guard try db.tableExists("view_indexes") else { return nil }
            return try Row.fetchOne(db.cachedStatement(sql: "SELECT id, seq FROM view_indexes WHERE ddoc = ? AND signature = ?"),
                                    arguments: [ddoc, signature]).map { ViewIndexState(index: $0[0], seq: $0[1]) }
        }
        if let existing { return existing }
        return try await pool.write { db in
            try Self.createViewSchema(db)
            if let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT id, seq FROM view_indexes WHERE ddoc = ? AND signature = ?"),
                                          arguments: [ddoc, signature]) {
                return ViewIndexState(index: row[0], seq: row[1])
            }
            try db.execute(sql: "INSERT INTO view_indexes(ddoc, signature, seq) VALUES (?, ?, 0)", arguments: [ddoc, signature])
            return ViewIndexState(index: db.lastInsertedRowID, seq: 0)
        }
    }

    /// Removes the indexes whose design document is gone or whose views changed.
    func dropViewIndexes(keeping live: Set<String>) async throws {
        try await pool.write { db in
            guard try db.tableExists("view_indexes") else { return }
            let rows = try Row.fetchAll(db, sql: "SELECT id, ddoc, signature FROM view_indexes")
            for row in rows where !live.contains((row[1] as String) + "|" + (row[2] as String)) {
                let id: Int64 = row[0]
                try db.execute(sql: "DELETE FROM view_rows WHERE ix = ?", arguments: [id])
                try db.execute(sql: "DELETE FROM view_indexes WHERE id = ?", arguments: [id])
            }
        }
    }

    /// Up to `limit` documents changed after `since`, in sequence order, with their JSON.
    func indexSource(since: Int, limit: Int) async throws -> [IndexSourceDocument] {
        try await pool.read { db in
            let statement = try db.cachedStatement(sql: """
                SELECT d.id, d.seq, d.deleted, d.rev, r.body, r.atts
                FROM docs d LEFT JOIN revs r ON r.doc_id = d.id AND r.rev = d.rev
                WHERE d.seq > ? ORDER BY d.seq LIMIT ?
                """)
            var out: [IndexSourceDocument] = []
            let cursor = try Row.fetchCursor(statement, arguments: [since, limit])
            while let row = try cursor.next() {
                let id: String = row[0]
                var source = IndexSourceDocument(id: id, seq: row[1], json: nil)
                if (row[2] as Int) == 0, !id.hasPrefix("_design/"), let rev = RevisionID(row[3] as String), let body = row[4] as Data? {
                    let atts: Data? = row[5]
                    let revision = StoredRevision(rev: rev, deleted: false, body: [UInt8](body),
                                                  attachments: atts.map { AttachmentInfo.decode([UInt8]($0)) } ?? [])
                    source.json = DocumentJSON.bytes(id: id, revision: revision)
                }
                out.append(source)
            }
            return out
        }
    }

    /// Replaces the rows of `documents` in the index with `rows` (per view) and records
    /// `seq` as indexed. `fresh` skips the deletes when the index was empty.
    func applyViewRows(
        index: Int64, documents: [String], fresh: Bool, rows: [IndexedRow], seq: Int
    ) async throws {
        try await pool.write { db in
            if !fresh {
                let delete = try db.cachedStatement(sql: "DELETE FROM view_rows WHERE ix = ? AND doc_id = ?")
                for id in documents { try delete.execute(arguments: [index, id]) }
            }
            let insert = try db.cachedStatement(sql: "INSERT INTO view_rows(ix, view, sort, doc_id, n, key, value, num) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
            for item in rows {
                try insert.execute(arguments: [
                    index, item.view, Data(item.sort), item.row.id, item.number, Data(item.row.key), Data(item.row.value), item.integer,
                ])
            }
            try db.execute(sql: "UPDATE view_indexes SET seq = ? WHERE id = ?", arguments: [seq, index])
        }
    }

    /// One bound of a row range: rows at or after (before, when descending) this key and id.
    struct ViewBound: Sendable {
        var sort: [UInt8]
        var docID: String?
        var inclusive: Bool
    }

    /// A contiguous range of one view, in either direction.
    struct ViewRange: Sendable {
        var start: ViewBound?
        var end: ViewBound?
        var descending = false
    }

    /// The SQL condition and arguments selecting `range` (without direction).
    static func rangeCondition(_ range: ViewRange) -> (String, [any DatabaseValueConvertible]) {
        var sql = ""
        var args: [any DatabaseValueConvertible] = []
        // Ascending: start is the lower bound; descending: the upper one.
        func add(_ bound: ViewBound, lower: Bool) {
            let strict = lower ? ">" : "<"
            let op = bound.inclusive ? strict + "=" : strict
            if let docID = bound.docID {
                // The first comparison alone bounds an index range; the second refines it.
                sql += " AND sort \(strict)= ? AND (sort \(strict) ? OR (sort = ? AND doc_id \(op) ?))"
                args += [Data(bound.sort), Data(bound.sort), Data(bound.sort), docID]
            } else if bound.inclusive {
                sql += " AND sort \(op) ?"
                args.append(Data(bound.sort))
            } else {
                sql += " AND sort \(strict) ?"
                args.append(Data(bound.sort))
            }
        }
        if let start = range.start { add(start, lower: !range.descending) }
        if let end = range.end { add(end, lower: range.descending) }
        return (sql, args)
    }

    /// Rows of `view` in `range`, in order, after skipping `skip`, at most `limit`.
    func viewRows(index: Int64, view: Int, range: ViewRange, skip: Int, limit: Int?) async throws -> [ViewRow] {
        try await pool.read { db in
            let (condition, args) = Self.rangeCondition(range)
            let direction = range.descending ? "DESC" : "ASC"
            let sql = "SELECT doc_id, key, value FROM view_rows WHERE ix = ? AND view = ?\(condition) ORDER BY sort \(direction), doc_id \(direction), n \(direction) LIMIT ? OFFSET ?"
            let cursor = try Row.fetchCursor(db.cachedStatement(sql: sql), arguments: StatementArguments([index, view] + args + [limit ?? -1, skip]))
            var out: [ViewRow] = []
            while let row = try cursor.next() {
                out.append(ViewRow(id: row[0], key: [UInt8](row[1] as Data), value: [UInt8](row[2] as Data)))
            }
            return out
        }
    }
}
