import Foundation
import GRDB

extension DatabaseStore {
    /// CouchDB's compaction: drops the bodies of revisions that are no longer leaves (they
    /// stay in the tree as `missing`, so `_revisions` keeps its history) and the attachment
    /// bytes no revision refers to any more. Runs in batches of documents so that writers are
    /// held up only briefly. Returns how many revision bodies were dropped.
    @discardableResult
    func compact(batchSize: Int = 500) async throws -> Int {
        var after = ""
        var dropped = 0
        while true {
            let start = after
            let (last, count) = try await pool.write { db -> (String?, Int) in
                let rows = try Row.fetchAll(
                    db.cachedStatement(sql: "SELECT id, tree FROM docs WHERE id > ? ORDER BY id LIMIT ?"), arguments: [start, batchSize])
                var count = 0
                for row in rows {
                    let id: String = row[0]
                    var tree = RevisionTree(encoded: row[1])
                    let leaves = Set(tree.leafIndices)
                    var changed = false
                    for index in tree.nodes.indices where !leaves.contains(index) && tree.nodes[index].available {
                        try db.cachedStatement(sql: "DELETE FROM revs WHERE doc_id = ? AND rev = ?")
                            .execute(arguments: [id, tree.nodes[index].rev.description])
                        tree.markUnavailable(index)
                        changed = true
                        count += 1
                    }
                    if changed {
                        try db.cachedStatement(sql: "UPDATE docs SET tree = ? WHERE id = ?").execute(arguments: [tree.encoded, id])
                    }
                }
                return (rows.last.map { $0[0] as String }, count)
            }
            dropped += count
            guard let last else { break }
            after = last
        }
        try await pool.write { db in
            var referenced = Set<String>()
            let cursor = try Data.fetchCursor(db, sql: "SELECT atts FROM revs WHERE atts IS NOT NULL")
            while let atts = try cursor.next() {
                for attachment in AttachmentInfo.decode([UInt8](atts)) { referenced.insert(attachment.digest) }
            }
            for digest in try String.fetchAll(db, sql: "SELECT digest FROM attachments") where !referenced.contains(digest) {
                try db.execute(sql: "DELETE FROM attachments WHERE digest = ?", arguments: [digest])
            }
        }
        return dropped
    }
}

extension RevisionTree {
    /// Marks a revision's body as no longer stored (compaction).
    mutating func markUnavailable(_ index: Int) {
        guard nodes.indices.contains(index) else { return }
        var node = nodes[index]
        node.available = false
        replace(index, with: node)
    }
}
