import Bootstrap
import CouchDB
import Foundation
import JSON
import TestSupport

/// A database with the repository's `Views/` installed by the bootstrapper, and sample
/// documents of every type the views read.
enum ViewsFixture {
    static var repositoryViews: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Views").standardized
    }

    static func pass(
        _ number: Int, _ status: String, version: String, priority: Int = 0, site: String? = nil,
        created: String, labels: [String] = []
    ) -> JSONValue {
        [
            "pass": .int(number), "status": .string(status), "version": .string(version), "priority": .int(priority),
            "site": site.map { .string($0) } ?? .null, "created": .string(created),
            "labels": .array(labels.map { .string($0) }), "attempts": 0, "max_attempts": 3, "subjobs": [],
        ]
    }

    static let documents: [JSONValue] = [
        [
            "_id": "job:Processing:0000000100", "type": "job", "module": "Processing", "run": 100, "epoch": 1,
            "passes": [
                pass(1, "completed", version: "7.0.8", priority: 5, site: "site-a", created: "2026-01-01T00:00:00Z", labels: ["spring"]),
                pass(2, "waiting", version: "7.0.9", priority: 1, created: "2026-02-01T00:00:00Z"),
            ],
        ],
        [
            "_id": "job:Analysis:0000000100", "type": "job", "module": "Analysis", "run": 100, "epoch": 1,
            "passes": [pass(1, "waiting", version: "7.0.9", priority: 9, created: "2026-01-15T00:00:00Z", labels: ["spring"])],
        ],
        [
            "_id": "job:Processing:0000000101", "type": "job", "module": "Processing", "run": 101, "epoch": 1,
            "passes": [pass(1, "waiting", version: "7.0.8", priority: 5, created: "2026-01-10T00:00:00Z")],
        ],
        [
            "_id": "job:Processing:0000000099", "type": "job", "module": "Processing", "run": 99, "epoch": 1,
            "passes": [pass(1, "running", version: "7.0.8", site: "site-b", created: "2025-12-01T00:00:00Z")],
        ],
        ["_id": "run:0000000100", "type": "run", "run": 100, "run_type": "Physics", "complete": true, "processing_status": "queued"],
        ["_id": "run:0000000101", "type": "run", "run": 101, "run_type": "Physics", "complete": false, "processing_status": "pending"],
        [
            "_id": "data:Processing:0000000100:1:ratds", "type": "data", "module": "Processing", "run": 100, "pass": 1,
            "data_type": "ratds", "labels": ["spring"],
            "files": [
                ["subrun": 0, "name": "r100_s0.root", "size": 1024, "adler32": "0a1b2c3d"],
                ["subrun": 1, "name": "r100_s1.root", "size": 2048, "adler32": "1a2b3c4d"],
            ],
        ],
        ["_id": "site:site-a", "type": "site", "name": "site-a", "heartbeat": "2026-11-22T04:00:00Z", "backend": "slurm"],
        ["_id": "site:site-b", "type": "site", "name": "site-b", "heartbeat": "2026-11-22T03:00:00Z", "backend": "local", "draining": true],
    ]

    /// Runs `body` with a database that has `Views/` and the sample documents.
    static func withDatabase<T: Sendable>(_ body: @Sendable (CouchDatabase) async throws -> T) async throws -> T {
        try await withTestCouch { couch in
            try await withClient(couch) { client in
                let name = couch.uniqueDatabaseName("gasp_views")
                let bootstrapper = Bootstrapper(documents: try DesignDocumentSource.load(from: repositoryViews))
                try await bootstrapper.apply(try await bootstrapper.plan(client: client, databases: [name]), client: client)
                let database = client.database(name)
                do {
                    let results = try await database.bulkDocs(documents)
                    let rejected = results.filter { $0.rev == nil }
                    guard rejected.isEmpty else { throw TestSupportError("sample documents rejected: \(rejected)") }
                    let result = try await body(database)
                    try? await database.delete()
                    return result
                } catch {
                    try? await database.delete()
                    throw error
                }
            }
        }
    }
}

extension ViewResponse {
    /// The rows' keys.
    var keys: [JSONValue] { rows.map(\.key) }
    /// The rows' values.
    var values: [JSONValue] { rows.map(\.value) }
}
