import Foundation
import GRDB
import JSON

extension DatabaseStore {
    /// The outcome of one document of a write: its new revision, or CouchDB's error for it.
    typealias WriteResult = Result<RevisionID, CouchHTTPError>

    /// Applies `edits` in one transaction and returns one result per edit, in order.
    ///
    /// With `newEdits` (normal writes) each edit must name the current leaf it replaces (or
    /// none for a new or deleted document) and gets a new revision. Without it (replication)
    /// each edit carries its own revision and history, which are merged into the tree.
    func write(_ edits: [DocumentEdit], newEdits: Bool, context: DocumentValidation.Context) async throws -> [WriteResult] {
        let (results, seq) = try await pool.write { db in
            var counters = try Counters.load(db)
            let start = counters
            var results: [WriteResult] = []
            results.reserveCapacity(edits.count)
            var known = edits.count > 1 ? try Self.loadRecords(db, ids: edits.map(\.id)) : [:]
            for edit in edits {
                // A CouchDB error concerns one document; any other error (the database
                // itself failing) aborts the whole transaction.
                do {
                    let rev = try Self.apply(edit, newEdits: newEdits, context: context, db: db, counters: &counters, known: &known)
                    results.append(.success(rev))
                } catch let error as CouchHTTPError {
                    results.append(.failure(error))
                }
            }
            if counters != start { try counters.save(db) }
            return (results, counters.seq)
        }
        await notifier.advance(to: seq)
        return results
    }

    private static func apply(
        _ edit: DocumentEdit, newEdits: Bool, context: DocumentValidation.Context, db: Database, counters: inout Counters,
        known: inout [String: DocumentRecord?]
    ) throws -> RevisionID {
        let record = try known[edit.id] ?? loadRecord(db, id: edit.id)
        var tree = record?.tree ?? RevisionTree()
        let parentIndex: Int?
        let newRev: RevisionID
        var attachments: [AttachmentInfo]

        if newEdits {
            if let base = edit.rev {
                if tree.nodes.isEmpty {
                    // CouchDB accepts a revision for a document it does not have as the parent.
                    parentIndex = tree.add(base, parent: nil, deleted: false, available: false)
                } else {
                    guard let i = tree.index(of: base), tree.isLeaf(base) else { throw CouchHTTPError.conflict() }
                    parentIndex = i
                }
            } else if let winner = tree.winner {
                guard winner.deleted, let i = tree.index(of: winner.rev) else { throw CouchHTTPError.conflict() }
                parentIndex = i
            } else {
                parentIndex = nil
            }
            let parent = parentIndex.map { tree.nodes[$0] }
            let generation = (parent?.rev.generation ?? 0) + 1
            let needsParent = DocumentValidation.needsOldDocument(context) || edit.hasStubs
            let parentRevision = try needsParent ? parent.flatMap { p in p.available ? try loadRevision(db, id: edit.id, rev: p.rev) : nil } : nil
            attachments = try resolveAttachments(edit, generation: generation, parent: parentRevision, db: db)
            try DocumentValidation.validate(newDoc: edit, oldDoc: parentRevision, user: context.user, security: context.security)
            let hash = RevisionHasher.hash(parent: parent?.rev, deleted: edit.deleted, body: edit.body, attachments: attachments)
            newRev = RevisionID(generation: generation, hash: hash)
            if tree.contains(newRev) { throw CouchHTTPError.conflict() }
            tree.add(newRev, parent: parentIndex, deleted: edit.deleted, available: true)
        } else {
            guard let rev = edit.rev else {
                throw CouchHTTPError.badRequest("Document rev and revisions are required with new_edits=false")
            }
            var path = edit.revisions ?? [rev]
            if path.first != rev { path.insert(rev, at: 0) }
            let merged = tree.merge(path: path, deleted: edit.deleted)
            guard merged.inserted else { return rev }
            newRev = rev
            let parent = tree.nodes[merged.index].parent.map { tree.nodes[$0] }
            let parentRevision = try parent.flatMap { p in p.available ? try loadRevision(db, id: edit.id, rev: p.rev) : nil }
            attachments = try resolveAttachments(edit, generation: rev.generation, parent: parentRevision, db: db, strictStubs: false)
            try DocumentValidation.validate(newDoc: edit, oldDoc: nil, user: context.user, security: context.security)
        }

        try db.cachedStatement(sql: "INSERT OR REPLACE INTO revs(doc_id, rev, deleted, body, atts) VALUES (?, ?, ?, ?, ?)")
            .execute(arguments: [edit.id, newRev.description, edit.deleted ? 1 : 0, Data(edit.body),
                                 attachments.isEmpty ? nil : Data(AttachmentInfo.encode(attachments))])
        guard let winner = tree.winner else { return newRev }
        counters.seq += 1
        counters.account(before: record?.deleted, after: winner.deleted)
        try db.cachedStatement(sql: "INSERT OR REPLACE INTO docs(id, seq, rev, deleted, tree) VALUES (?, ?, ?, ?, ?)")
            .execute(arguments: [edit.id, counters.seq, winner.rev.description, winner.deleted ? 1 : 0, tree.encoded])
        if !known.isEmpty {
            known[edit.id] = DocumentRecord(id: edit.id, seq: counters.seq, tree: tree, winner: winner.rev, deleted: winner.deleted)
        }
        return newRev
    }

    /// The records of many documents in a few statements (a `_bulk_docs` request); ids the
    /// database does not have map to nil.
    static func loadRecords(_ db: Database, ids: [String]) throws -> [String: DocumentRecord?] {
        var out: [String: DocumentRecord?] = [:]
        out.reserveCapacity(ids.count)
        for id in ids { out[id] = .some(nil) }
        let unique = Array(out.keys)
        var start = 0
        while start < unique.count {
            let chunk = unique[start..<min(start + 500, unique.count)]
            start += chunk.count
            let placeholders = Array(repeating: "?", count: chunk.count).joined(separator: ",")
            let rows = try Row.fetchCursor(
                db.cachedStatement(sql: "SELECT id, seq, rev, deleted, tree FROM docs WHERE id IN (\(placeholders))"),
                arguments: StatementArguments(Array(chunk)))
            while let row = try rows.next() {
                guard let winner = RevisionID(row[2] as String) else { continue }
                let id: String = row[0]
                out[id] = DocumentRecord(id: id, seq: row[1], tree: RevisionTree(encoded: row[4]), winner: winner, deleted: (row[3] as Int) != 0)
            }
        }
        return out
    }

    /// The attachments of the new revision: new bytes stored under their digest, stubs taken
    /// from the parent revision (412 `missing_stub` when it has no such attachment).
    private static func resolveAttachments(
        _ edit: DocumentEdit, generation: Int, parent: StoredRevision?, db: Database, strictStubs: Bool = true
    ) throws -> [AttachmentInfo] {
        guard let incoming = edit.attachments else { return [] }
        var out: [AttachmentInfo] = []
        for (name, attachment) in incoming {
            switch attachment {
            case .stub:
                if let existing = parent?.attachments.first(where: { $0.name == name }) {
                    out.append(existing)
                } else if strictStubs {
                    throw CouchHTTPError(status: 412, error: "missing_stub", reason: "Invalid attachment stub in \(edit.id) for \(name)")
                }
            case .stored(let info):
                var copy = info
                copy.name = name
                copy.revpos = generation
                out.append(copy)
            case .data(let contentType, let bytes):
                let digest = AttachmentInfo.digest(of: bytes)
                try db.cachedStatement(sql: "INSERT OR IGNORE INTO attachments(digest, data) VALUES (?, ?)")
                    .execute(arguments: [digest, Data(bytes)])
                out.append(AttachmentInfo(name: name, contentType: contentType, digest: digest, length: bytes.count, revpos: generation))
            }
        }
        return out
    }

    /// Removes revisions for good (`_purge`): the listed leaves and the ancestors only they
    /// needed; a document left without revisions disappears. Returns the purged revisions by id.
    func purge(_ request: [String: [RevisionID]]) async throws -> [String: [RevisionID]] {
        let (purged, seq) = try await pool.write { db in
            var counters = try Counters.load(db)
            var purged: [String: [RevisionID]] = [:]
            for (id, revs) in request {
                guard let record = try Self.loadRecord(db, id: id) else { purged[id] = []; continue }
                var tree = record.tree
                let removed = tree.purge(Set(revs))
                purged[id] = removed
                for rev in removed {
                    try db.execute(sql: "DELETE FROM revs WHERE doc_id = ? AND rev = ?", arguments: [id, rev.description])
                }
                guard !removed.isEmpty else { continue }
                if let winner = tree.winner {
                    counters.seq += 1
                    counters.account(before: record.deleted, after: winner.deleted)
                    try db.execute(sql: "UPDATE docs SET seq = ?, rev = ?, deleted = ?, tree = ? WHERE id = ?",
                                   arguments: [counters.seq, winner.rev.description, winner.deleted ? 1 : 0, tree.encoded, id])
                } else {
                    counters.account(before: record.deleted, after: nil)
                    try db.execute(sql: "DELETE FROM docs WHERE id = ?", arguments: [id])
                    try db.execute(sql: "DELETE FROM revs WHERE doc_id = ?", arguments: [id])
                }
            }
            try counters.save(db)
            return (purged, counters.seq)
        }
        await notifier.advance(to: seq)
        return purged
    }
}
