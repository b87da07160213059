import CouchDB
import Foundation
import JSON
import Testing
import TestSupport

/// The embedded store's promise: a write answered 201 is on disk, even if the server process
/// is killed with SIGKILL the next instant.
@Suite("Embedded store durability", .timeLimit(.minutes(2)))
struct StoreDurabilityTests {
    /// Acknowledged writes, shared by the writer tasks.
    actor Acknowledged {
        private(set) var revisions: [String: String] = [:]
        func record(_ id: String, _ rev: String) { revisions[id] = rev }
        var count: Int { revisions.count }
    }

    @Test("every write answered 201 survives a SIGKILL under write load")
    func killUnderLoad() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("gasp-durability-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let data = root.appendingPathComponent("data")

        let first = ServeProcess(dataDirectory: data)
        try await first.start()
        let client = try CouchClient(
            url: first.adminURL.absoluteString,
            configuration: .init(requestTimeout: .seconds(10), retry: .never))
        let database = client.database("durability")
        try await database.create()

        let acknowledged = Acknowledged()
        let writers = 4
        let killAfter = 400
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<writers {
                group.addTask {
                    var n = 0
                    // Each writer stops at its first failure: the server is gone.
                    while true {
                        let id = "w\(writer)-\(n)"
                        do {
                            let result = try await database.put(["_id": .string(id), "n": .int(n), "payload": .string(String(repeating: "x", count: 200))])
                            await acknowledged.record(result.id, result.rev)
                        } catch {
                            return
                        }
                        n += 1
                    }
                }
            }
            group.addTask {
                let deadline = ContinuousClock.now + .seconds(60)
                while await acknowledged.count < killAfter {
                    guard ContinuousClock.now < deadline else { throw TestSupportError("writers too slow") }
                    try await Task.sleep(for: .milliseconds(2))
                }
                first.kill(SIGKILL)
            }
            try await group.waitForAll()
        }
        let status = try await first.waitForExit()
        #expect(status == SIGKILL, "the server was killed, not stopped")
        try await client.shutdown()

        let revisions = await acknowledged.revisions
        #expect(revisions.count >= killAfter)

        let second = ServeProcess(dataDirectory: data)
        try await second.start()
        let reader = try CouchClient(url: second.adminURL.absoluteString)
        let rows = try await reader.database("durability").allDocs()
        var stored: [String: String] = [:]
        for row in rows.rows { if let id = row.id { stored[id] = row.rev } }
        let lost = revisions.filter { stored[$0.key] != $0.value }
        #expect(lost.isEmpty, "\(lost.count) acknowledged writes missing after restart, e.g. \(lost.prefix(3))")
        try await reader.shutdown()
        second.kill(SIGTERM)
        #expect(try await second.waitForExit() == 0)
    }
}
