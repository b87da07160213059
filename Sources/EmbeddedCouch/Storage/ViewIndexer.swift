import JSON
import ViewEngine

/// Brings view indexes up to date at query time: the documents changed since the index's
/// last sequence are mapped (in batches, through the query-server pool) and their old rows
/// replaced. One update per index runs at a time; a query arriving meanwhile waits for it
/// and then finds the index current.
final class ViewIndexer: Sendable {
    /// The query servers that run map functions.
    let pool: QueryServerPool
    private let locks = KeyedLock()
    /// Documents read and mapped per step.
    private let batchSize: Int

    init(pool: QueryServerPool, batchSize: Int = 2_000) {
        self.pool = pool
        self.batchSize = batchSize
    }

    /// The index of `design` in `store`, updated through the store's current sequence.
    func update(_ store: DatabaseStore, _ design: LoadedDesign, functions: DesignDocument) async throws -> ViewIndexState {
        let key = store.name + "|" + store.sequence.suffix + "|" + design.id + "|" + design.signature
        // Most queries find the index current: no lock and no read of the by-sequence index.
        let current = await store.notifier.currentSequence
        let known = try await store.viewIndexState(ddoc: design.id, signature: design.signature)
        if known.seq >= current { return known }
        return try await locks.withLock(key) {
            var state = try await store.viewIndexState(ddoc: design.id, signature: design.signature)
            var batch = try await store.indexSource(since: state.seq, limit: batchSize)
            guard !batch.isEmpty else { return state }
            var rows = try await mapRows(batch, functions)
            while let last = batch.last {
                // The next batch is read and mapped while this one is written.
                async let following = readAndMap(store, since: last.seq, functions)
                try await store.applyViewRows(index: state.index, documents: batch.map(\.id), fresh: state.seq == 0, rows: rows, seq: last.seq)
                state.seq = last.seq
                (batch, rows) = try await following
            }
            return state
        }
    }

    private func readAndMap(_ store: DatabaseStore, since: Int, _ functions: DesignDocument) async throws -> ([IndexSourceDocument], [IndexedRow]) {
        let batch = try await store.indexSource(since: since, limit: batchSize)
        return (batch, try await mapRows(batch, functions))
    }

    /// The rows the design document's maps emit for `batch` (deleted documents emit none).
    private func mapRows(_ batch: [IndexSourceDocument], _ functions: DesignDocument) async throws -> [IndexedRow] {
        let mappable = batch.filter { $0.json != nil }
        guard !mappable.isEmpty else { return [] }
        let results = try await pool.map(functions, documentJSON: mappable.map { $0.json! })
        var rows: [IndexedRow] = []
        for (document, result) in zip(mappable, results) {
            for (view, emitted) in result.views.enumerated() {
                for (number, item) in emitted.enumerated() {
                    rows.append(IndexedRow(
                        view: view, sort: ViewCollation.sortKey(item.key), number: number,
                        row: ViewRow(id: document.id, key: item.key.serializedBytes(), value: item.value.serializedBytes()),
                        integer: BuiltinReduce.smallInteger(item.value)))
                }
            }
        }
        return rows
    }
}

/// Mutual exclusion by key for async work (one index update at a time per index).
actor KeyedLock {
    private var held: Set<String> = []
    private var waiters: [String: [CheckedContinuation<Void, Never>]] = [:]

    func withLock<T: Sendable>(_ key: String, _ body: @Sendable () async throws -> T) async throws -> T {
        while held.contains(key) {
            await withCheckedContinuation { waiters[key, default: []].append($0) }
        }
        held.insert(key)
        defer {
            held.remove(key)
            if var queue = waiters[key], !queue.isEmpty {
                queue.removeFirst().resume()
                waiters[key] = queue.isEmpty ? nil : queue
            }
        }
        return try await body()
    }
}
