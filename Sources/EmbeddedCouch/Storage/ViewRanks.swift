import Foundation
import GRDB
import Synchronization

/// Row counts of a view without counting every row per query: `total_rows`, and `offset`
/// (rows before a key), which SQLite could only answer by scanning up to the key.
///
/// After an index changes, one scan records every ``stride``-th row's position (a fence
/// post); a rank is then a binary search over the posts plus a count of at most ``stride``
/// rows. Posts are kept per index state (index, view, indexed sequence), so any update
/// makes them stale and the next query rebuilds them.
final class ViewRanks: Sendable {
    /// Rows between fence posts.
    static let stride = 256

    struct Post: Sendable {
        var sort: [UInt8]
        var id: String
        var number: Int
    }

    struct Fences: Sendable {
        var total: Int
        var posts: [Post]
    }

    private let cache = Mutex<[String: Fences]>([:])

    /// `(total, before)`: the view's row count, and how many rows precede `bound` in the
    /// direction of the query (0 without a bound).
    func counts(
        _ store: DatabaseStore, index: Int64, view: Int, seq: Int, before bound: DatabaseStore.ViewBound?, descending: Bool
    ) async throws -> (total: Int, before: Int) {
        let key = "\(store.name)|\(store.sequence.suffix)|\(index)|\(view)|\(seq)"
        let fences: Fences
        if let cached = cache.withLock({ $0[key] }) {
            fences = cached
        } else {
            fences = try await Self.build(store, index: index, view: view)
            cache.withLock { entries in
                // Older states of this view are of no further use.
                let prefix = "\(store.name)|\(store.sequence.suffix)|\(index)|\(view)|"
                for old in entries.keys where old.hasPrefix(prefix) { entries[old] = nil }
                entries[key] = fences
            }
        }
        guard let bound else { return (fences.total, 0) }
        if descending {
            // Rows after the bound, going down: all but those at or before it going up.
            let upTo = try await Self.countAscending(store, index: index, view: view, fences: fences, bound: bound, inclusive: true)
            return (fences.total, fences.total - upTo)
        }
        let before = try await Self.countAscending(store, index: index, view: view, fences: fences, bound: bound, inclusive: false)
        return (fences.total, before)
    }

    private static func build(_ store: DatabaseStore, index: Int64, view: Int) async throws -> Fences {
        try await store.pool.read { db in
            let statement = try db.cachedStatement(sql: "SELECT sort, doc_id, n FROM view_rows WHERE ix = ? AND view = ? ORDER BY sort, doc_id, n")
            let cursor = try Row.fetchCursor(statement, arguments: [index, view])
            var total = 0
            var posts: [Post] = []
            while let row = try cursor.next() {
                if total % stride == 0 {
                    posts.append(Post(sort: [UInt8](row[0] as Data), id: row[1], number: row[2]))
                }
                total += 1
            }
            return Fences(total: total, posts: posts)
        }
    }

    /// Rows before `bound` in ascending order (`inclusive`: at or before it).
    private static func countAscending(
        _ store: DatabaseStore, index: Int64, view: Int, fences: Fences, bound: DatabaseStore.ViewBound, inclusive: Bool
    ) async throws -> Int {
        // The posts within the counted prefix form a prefix of the posts.
        func counted(_ post: Post) -> Bool {
            if post.sort != bound.sort { return post.sort.lexicographicallyPrecedes(bound.sort) }
            guard let docID = bound.docID else { return inclusive }
            if post.id == docID { return inclusive }
            return Array(post.id.utf8).lexicographicallyPrecedes(docID.utf8)
        }
        var low = 0, high = fences.posts.count
        while low < high {
            let mid = (low + high) / 2
            if counted(fences.posts[mid]) { low = mid + 1 } else { high = mid }
        }
        guard low > 0 else { return 0 }
        let post = fences.posts[low - 1]
        let skipped = (low - 1) * stride
        return try await store.pool.read { db in
            var sql = "SELECT count(*) FROM view_rows WHERE ix = ? AND view = ? AND (sort, doc_id, n) >= (?, ?, ?) AND "
            var args: [any DatabaseValueConvertible] = [index, view, Data(post.sort), post.id, post.number]
            let op = inclusive ? "<=" : "<"
            if let docID = bound.docID {
                sql += "(sort < ? OR (sort = ? AND doc_id \(op) ?))"
                args += [Data(bound.sort), Data(bound.sort), docID]
            } else {
                sql += "sort \(op) ?"
                args.append(Data(bound.sort))
            }
            let tail = try Int.fetchOne(db.cachedStatement(sql: sql), arguments: StatementArguments(args)) ?? 0
            return skipped + tail
        }
    }
}
