import Foundation
import GRDB

/// What the store knows of one document: its revision tree and winner.
struct DocumentRecord: Sendable {
    var id: String
    var seq: Int
    var tree: RevisionTree
    var winner: RevisionID
    /// Whether the winning revision is a deletion.
    var deleted: Bool
}

/// One stored revision with its body.
struct StoredRevision: Sendable {
    var rev: RevisionID
    var deleted: Bool
    /// The non-special members, a compact JSON object.
    var body: [UInt8]
    var attachments: [AttachmentInfo]
}

extension DatabaseStore {
    static func loadRecord(_ db: Database, id: String) throws -> DocumentRecord? {
        let statement = try db.cachedStatement(sql: "SELECT seq, rev, deleted, tree FROM docs WHERE id = ?")
        guard let row = try Row.fetchOne(statement, arguments: [id]),
              let winner = RevisionID(row[1] as String)
        else { return nil }
        return DocumentRecord(id: id, seq: row[0], tree: RevisionTree(encoded: row[3]), winner: winner, deleted: (row[2] as Int) != 0)
    }

    static func loadRevision(_ db: Database, id: String, rev: RevisionID) throws -> StoredRevision? {
        let statement = try db.cachedStatement(sql: "SELECT deleted, body, atts FROM revs WHERE doc_id = ? AND rev = ?")
        guard let row = try Row.fetchOne(statement, arguments: [id, rev.description]) else { return nil }
        let atts: Data? = row[2]
        return StoredRevision(
            rev: rev, deleted: (row[0] as Int) != 0, body: [UInt8](row[1] as Data),
            attachments: atts.map { AttachmentInfo.decode([UInt8]($0)) } ?? [])
    }

    /// The document's record, nil when the database never had it.
    func record(id: String) async throws -> DocumentRecord? {
        try await pool.read { db in try Self.loadRecord(db, id: id) }
    }

    /// The record and the body of one revision (the winner when `rev` is nil).
    ///
    /// One statement reads both, so no transaction is needed for a consistent answer; this is
    /// the path of every document GET.
    func document(id: String, rev: RevisionID?) async throws -> (DocumentRecord, StoredRevision?)? {
        try await pool.unsafeRead { db in
            let statement = try db.cachedStatement(sql: """
                SELECT d.seq, d.rev, d.deleted, d.tree, r.deleted, r.body, r.atts
                FROM docs d LEFT JOIN revs r ON r.doc_id = d.id AND r.rev = coalesce(?, d.rev)
                WHERE d.id = ?
                """)
            guard let row = try Row.fetchOne(statement, arguments: [rev?.description, id]),
                  let winner = RevisionID(row[1] as String)
            else { return nil }
            let record = DocumentRecord(id: id, seq: row[0], tree: RevisionTree(encoded: row[3]), winner: winner, deleted: (row[2] as Int) != 0)
            guard let body = row[5] as Data? else { return (record, nil) }
            let atts: Data? = row[6]
            let revision = StoredRevision(
                rev: rev ?? winner, deleted: (row[4] as Int) != 0, body: [UInt8](body),
                attachments: atts.map { AttachmentInfo.decode([UInt8]($0)) } ?? [])
            return (record, revision)
        }
    }

    /// Bodies of several revisions of one document (for `open_revs`).
    func revisions(id: String, revs: [RevisionID]) async throws -> [StoredRevision?] {
        try await pool.read { db in try revs.map { try Self.loadRevision(db, id: id, rev: $0) } }
    }
}
