@testable import CouchDB
import JSON
import Testing
import TestSupport

/// Runs `body`, failing with a timeout error if it takes longer than `limit`.
func withDeadline<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            throw TestSupportError("timed out after \(limit)")
        }
        return value
    }
}

@Suite("_changes (live)")
struct ChangesTests {
    @Test("a normal feed lists every document once, deleted ones marked, then ends")
    func normalFeed() async throws {
        try await withDatabase { db, _ in
            let a = try await db.put(["_id": "a", "v": 1])
            _ = try await db.put(["_id": "b", "v": 2])
            _ = try await db.put(["_id": "c", "v": 3])
            _ = try await db.delete("a", rev: a.rev)

            var batches: [ChangesBatch] = []
            for try await batch in db.changes(ChangesQuery(includeDocs: true)) { batches.append(batch) }
            #expect(batches.count == 1)
            let changes = try #require(batches.first).results
            #expect(changes.map(\.id) == ["b", "c", "a"])
            #expect(changes.map(\.deleted) == [false, false, true])
            #expect(changes[0].doc?["v"] == 2)
            #expect(changes.allSatisfy { $0.revs.count == 1 })

            let info = try await db.info()
            let nothing = try await db.changesOnce(ChangesQuery(since: info.updateSequence))
            #expect(nothing.results.isEmpty)
        }
    }

    @Test("with a limit, a normal feed pages on from each last_seq until it has caught up")
    func pagedFeed() async throws {
        try await withDatabase { db, _ in
            _ = try await db.bulkDocs((1...5).map { ["_id": .string("d\($0)"), "v": .int($0)] })
            var sizes: [Int] = []
            var ids: [String] = []
            for try await batch in db.changes(ChangesQuery(limit: 2)) {
                sizes.append(batch.results.count)
                ids += batch.results.map(\.id)
            }
            #expect(ids == ["d1", "d2", "d3", "d4", "d5"])
            #expect(sizes == [2, 2, 1])

            var single: [String] = []
            for try await change in db.changes(ChangesQuery(limit: 3)).singleChanges { single.append(change.id) }
            #expect(single == ids)
        }
    }

    @Test("filters: _doc_ids and _design")
    func filters() async throws {
        try await withDatabase { db, _ in
            _ = try await db.bulkDocs([["_id": "x", "v": 1], ["_id": "y", "v": 2], ["_id": "z", "v": 3]])
            _ = try await db.putDesignDocument("d", ["language": "javascript", "views": [:]])
            let picked = try await db.changesOnce(ChangesQuery(filter: .documentIDs(["z", "x"])))
            #expect(picked.results.map(\.id) == ["x", "z"])
            let design = try await db.changesOnce(ChangesQuery(filter: .design))
            #expect(design.results.map(\.id) == ["_design/d"])
        }
    }

    @Test("a longpoll feed wakes up for a write made after it started")
    func longpollWakesUp() async throws {
        try await withDatabase { db, _ in
            let start = try await db.info().updateSequence
            let feed = db.changes(ChangesQuery(feed: .longpoll, since: start, timeout: .seconds(10)))
            let batch = try await withDeadline(.seconds(20)) {
                try await withThrowingTaskGroup(of: ChangesBatch?.self) { group in
                    group.addTask {
                        var iterator = feed.makeAsyncIterator()
                        return try await iterator.next()
                    }
                    group.addTask {
                        _ = try await db.put(["_id": "late", "v": 1])
                        return nil
                    }
                    var found: ChangesBatch?
                    for try await result in group { if let result { found = result } }
                    return found
                }
            }
            #expect(batch?.results.map(\.id) == ["late"])
        }
    }

    @Test("a longpoll feed resumes from its last sequence after transport failures")
    func longpollResumesAfterReconnect() async throws {
        try await withTestCouch { couch in
            let flaky = FlakyTransport(AsyncHTTPClientTransport(), failures: 0) { $0.url.contains("/_changes") }
            try await withClient(couch, transport: flaky) { client in
                let db = client.database(couch.uniqueDatabaseName("gasp_client_resume"))
                try await db.create(shards: 1)
                _ = try await db.put(["_id": "first", "v": 1])

                let feed = db.changes(ChangesQuery(feed: .longpoll, since: .zero, timeout: .seconds(10)))
                let (before, after) = try await withDeadline(.seconds(30)) {
                    var iterator = feed.makeAsyncIterator()
                    let before = try await iterator.next()
                    flaky.failNext(2)
                    _ = try await db.put(["_id": "second", "v": 2])
                    let after = try await iterator.next()
                    return (before, after)
                }
                #expect(before?.results.map(\.id) == ["first"])
                #expect(after?.results.map(\.id) == ["second"])
                #expect(flaky.failedCount == 2)
                try await db.delete()
            }
        }
    }

    @Test("a feed on a missing database ends with the 404")
    func missingDatabase() async throws {
        try await withTestCouch { couch in
            try await withClient(couch) { client in
                let feed = client.database(couch.uniqueDatabaseName("gasp_client_none")).changes(ChangesQuery(feed: .longpoll))
                var iterator = feed.makeAsyncIterator()
                let error = await #expect(throws: CouchError.self) { _ = try await iterator.next() }
                #expect(error?.code == .notFound)
                let afterError = try await iterator.next()
                #expect(afterError == nil, "a feed that has thrown is finished")
            }
        }
    }
}
