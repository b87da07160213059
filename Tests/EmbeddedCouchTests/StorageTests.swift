import Foundation
import GRDB
import JSON
import Logging
import Testing
@testable import EmbeddedCouch

@Suite("Database storage")
struct StorageTests {
    private static let admin = DocumentValidation.Context(user: UserContext(name: "admin", roles: ["_admin"]), security: [:], database: "t")

    private func withStore(_ body: (String, DatabaseStore) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gasp-store-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/t.sqlite"
        let store = try DatabaseStore(name: "t", path: path)
        try await body(path, store)
    }

    private func edit(_ id: String, _ json: JSONValue, rev: RevisionID? = nil) throws -> DocumentEdit {
        var e = try DocumentEdit.parse(json, id: id)
        e.rev = rev ?? e.rev
        return e
    }

    @Test func writeReadAndConflict() async throws {
        try await withStore { _, store in
            let first = try #require(try await store.write([edit("d", ["v": 1])], newEdits: true, context: Self.admin).first?.get())
            #expect(first.generation == 1)
            let again = try await store.write([edit("d", ["v": 2])], newEdits: true, context: Self.admin)
            #expect(again.first.map { if case .failure(let e) = $0 { e.status } else { 0 } } == 409)
            let second = try #require(try await store.write([edit("d", ["v": 2], rev: first)], newEdits: true, context: Self.admin).first?.get())
            #expect(second.generation == 2)
            let (record, revision) = try #require(try await store.document(id: "d", rev: nil))
            #expect(record.winner == second)
            #expect(String(decoding: try #require(revision).body, as: UTF8.self) == #"{"v":2}"#)
            let info = try await store.info()
            #expect(info.docCount == 1 && info.updateSeq == 2)
        }
    }

    @Test func replicatedConflictsPickCouchDBsWinner() async throws {
        try await withStore { _, store in
            let a = try edit("d", ["_rev": "1-aaaa", "side": "a"])
            let b = try edit("d", ["_rev": "1-bbbb", "side": "b"])
            _ = try await store.write([a, b], newEdits: false, context: Self.admin)
            let record = try #require(try await store.record(id: "d"))
            #expect(record.winner == RevisionID("1-bbbb"))
            #expect(record.tree.sortedLeaves.count == 2)
        }
    }

    @Test func acknowledgedWriteSurvivesReopening() async throws {
        try await withStore { path, store in
            let rev = try #require(try await store.write([edit("durable", ["n": 42])], newEdits: true, context: Self.admin).first?.get())
            try store.close()
            let reopened = try DatabaseStore(name: "t", path: path)
            let (record, revision) = try #require(try await reopened.document(id: "durable", rev: nil))
            #expect(record.winner == rev)
            #expect(String(decoding: try #require(revision).body, as: UTF8.self) == #"{"n":42}"#)
            #expect(try await reopened.info().updateSeq == 1)
        }
    }

    @Test func countsFollowWritesDeletesAndPurges() async throws {
        try await withStore { path, store in
            let a = try #require(try await store.write([edit("a", ["n": 1]), edit("b", ["n": 2])], newEdits: true, context: Self.admin).first?.get())
            var deletion = try edit("a", [:], rev: a)
            deletion.deleted = true
            _ = try await store.write([deletion], newEdits: true, context: Self.admin)
            var info = try await store.info()
            #expect(info.docCount == 1 && info.deletedCount == 1 && info.updateSeq == 3)
            let tombstone = try #require(try await store.record(id: "a"))
            _ = try await store.purge(["a": tombstone.tree.leafIndices.map { tombstone.tree.nodes[$0].rev }])
            info = try await store.info()
            #expect(info.docCount == 1 && info.deletedCount == 0)
            try store.close()
            #expect(try await DatabaseStore(name: "t", path: path).info().docCount == 1)
        }
    }

    @Test func commitsAreSyncedToDisk() async throws {
        try await withStore { _, store in
            let modes = try await store.pool.write { db in
                (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA synchronous"))
            }
            #expect(modes.0 == "wal")
            #expect(modes.1 == 2)  // FULL: the WAL is synced at every commit
            let reader = try await store.pool.read { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
            #expect(reader == 2)
        }
    }

    @Test func compactionDropsOldBodiesAndOrphanedAttachments() async throws {
        try await withStore { _, store in
            let withAttachment = try edit("d", ["v": 1, "_attachments": ["a.txt": ["content_type": "text/plain", "data": "YQ=="]]])
            let r1 = try #require(try await store.write([withAttachment], newEdits: true, context: Self.admin).first?.get())
            let r2 = try #require(try await store.write([edit("d", ["v": 2], rev: r1)], newEdits: true, context: Self.admin).first?.get())
            let digest = AttachmentInfo.digest(of: Array("a".utf8))
            #expect(try await store.attachmentData(digest: digest) != nil)
            #expect(try await store.compact() == 1)
            let old = try #require(try await store.document(id: "d", rev: r1))
            #expect(old.1 == nil)
            #expect(old.0.tree.path(from: r2).map(\.rev) == [r2, r1])
            let current = try #require(try await store.document(id: "d", rev: nil))
            #expect(current.1.map { String(decoding: $0.body, as: UTF8.self) } == #"{"v":2}"#)
            #expect(try await store.attachmentData(digest: digest) == nil)
        }
    }

    @Test func registryCompactsBusyDatabasesInTheBackground() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gasp-registry-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let registry = try DatabaseRegistry(dataDirectory: directory)
        let store = try #require(try await registry.create("busy"))
        let r1 = try #require(try await store.write([edit("d", ["v": 1])], newEdits: true, context: Self.admin).first?.get())
        _ = try await store.write([edit("d", ["v": 2], rev: r1)], newEdits: true, context: Self.admin)
        let compacted = await withTaskGroup(of: Void.self) { group -> Bool in
            group.addTask { await registry.compactPeriodically(every: .milliseconds(10), minimumChanges: 1, logger: Logger(label: "test")) }
            defer { group.cancelAll() }
            let deadline = ContinuousClock.now.advanced(by: .seconds(30))
            while ContinuousClock.now < deadline {
                if let old = try? await store.document(id: "d", rev: r1), old.1 == nil { return true }
                try? await Task.sleep(for: .milliseconds(10))
            }
            return false
        }
        #expect(compacted)
    }

    @Test func numbersAreStoredAsCouchDBWritesThem() throws {
        let e = try DocumentEdit.parse(try JSONParser.parse(#"{"a":1e3,"b":-0.0,"c":12345678901234567890}"#), id: "n")
        #expect(String(decoding: e.body, as: UTF8.self) == #"{"a":1000.0,"b":0.0,"c":12345678901234567890}"#)
        #expect(throws: CouchHTTPError.badRequest("invalid UTF-8 JSON")) { try DocumentEdit.parse(try JSONParser.parse(#"{"a":1e400}"#), id: "n") }
    }

    @Test func longpollWaiterWakesOnCommit() async throws {
        try await withStore { _, store in
            let start = await store.notifier.currentSequence
            async let woke = store.notifier.wait(after: start, timeout: .seconds(30))
            // The waiter is woken by the commit, not by its timeout (30 s), however long the
            // write itself took on a busy machine.
            let clock = ContinuousClock()
            _ = try await store.write([edit("w", ["x": 1])], newEdits: true, context: Self.admin)
            let committed = clock.now
            #expect(await woke)
            #expect(clock.now - committed < .seconds(15))
            #expect(await store.notifier.wait(after: start + 1, timeout: .milliseconds(50)) == false)
        }
    }
}
