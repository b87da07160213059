import Foundation
import JSON
import Testing
import TestSupport

/// `validate_doc_update` over large `_bulk_docs` requests (one batched query-server call per
/// design document), through a real loopback server (and Apache CouchDB with
/// `GASP_TEST_COUCHDB_URL`).
@Suite("validate_doc_update on bulk writes")
struct BulkValidationTests {
    /// Refuses every document whose `n` is a multiple of 10 plus 9; the other rules are
    /// ``ValidateDocUpdateTests/validator``'s.
    static let second = """
        function(newDoc) { if (typeof newDoc.n === 'number' && newDoc.n % 10 === 9) { throw({forbidden: 'second refuses ' + newDoc._id}); } }
        """

    @Test("several hundred documents: each gets its own forbidden, unauthorized, conflict or ok")
    func perDocumentResults() async throws {
        try await ValidateDocUpdateTests.withValidatedDatabase { client, db in
            let design: JSONValue = ["validate_doc_update": .string(Self.second)]
            #expect(try await client.send(.PUT, db + "/_design/second", json: design).status == 201)

            // Documents with a stored revision, for oldDoc and stale-revision cases.
            let seeded = try await client.send(.POST, db + "/_bulk_docs", json: ["docs": .array((0..<100).map { i in
                ["_id": .string("e\(i)"), "epoch": 5]
            })])
            #expect(seeded.status == 201)
            let revs = try (0..<100).map { i in try #require(seeded.json?[i]?["rev"]?.stringValue) }

            var docs: [JSONValue] = []
            var expected: [(id: String, outcome: String)] = []
            for i in 0..<100 {
                if i % 20 == 0 {
                    // A stale revision is a conflict before any function runs, even a refusing one.
                    docs.append(["_id": .string("e\(i)"), "_rev": "1-00000000000000000000000000000000", "epoch": 9, "bad": true])
                    expected.append(("e\(i)", "conflict"))
                } else {
                    let lower = i % 2 == 0
                    docs.append(["_id": .string("e\(i)"), "_rev": .string(revs[i]), "epoch": lower ? 4 : 6])
                    expected.append(("e\(i)", lower ? "forbidden:epoch 4 < 5" : "ok"))
                }
            }
            for n in 0..<500 {
                let id = "n\(n)"
                switch n % 10 {
                case 3:
                    docs.append(["_id": .string(id), "n": .number(JSONNumber(n)), "bad": true])
                    expected.append((id, "forbidden:bad \(id)"))
                case 7:
                    docs.append(["_id": .string(id), "n": .number(JSONNumber(n)), "who": "somebody-else"])
                    expected.append((id, "unauthorized"))
                case 9:
                    docs.append(["_id": .string(id), "n": .number(JSONNumber(n))])
                    expected.append((id, "forbidden:second refuses \(id)"))
                default:
                    docs.append(["_id": .string(id), "n": .number(JSONNumber(n))])
                    expected.append((id, "ok"))
                }
            }

            let reply = try await client.send(.POST, db + "/_bulk_docs", json: ["docs": .array(docs)])
            #expect(reply.status == 201)
            let results = try #require(reply.json?.arrayValue)
            try #require(results.count == expected.count)
            var mismatches: [String] = []
            for (result, want) in zip(results, expected) {
                let got: String
                if result["ok"] == true {
                    got = "ok"
                } else if result["error"] == "forbidden" {
                    got = "forbidden:" + (result["reason"]?.stringValue ?? "")
                } else {
                    got = result["error"]?.stringValue ?? "?"
                }
                if result["id"]?.stringValue != want.id || got != want.outcome {
                    mismatches.append("\(want.id): expected \(want.outcome), got \(result)")
                }
            }
            #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")

            // Refused documents were not written; allowed ones were.
            #expect(try await client.send(.GET, db + "/n3").status == 404)
            #expect(try await client.send(.GET, db + "/n9").status == 404)
            #expect(try await client.send(.GET, db + "/n1").status == 200)
            let lowered = try await client.send(.GET, db + "/e2")
            #expect(lowered.json?["epoch"] == 5)
            let raised = try await client.send(.GET, db + "/e1")
            #expect(raised.json?["epoch"] == 6)
        }
    }

    @Test("bulk rate into a database with the gasp validate function, and without one (printed)")
    func gaspValidatorRate() async throws {
        let source = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Views/gasp/validate_doc_update.js").standardized, encoding: .utf8)
        for validated in [false, true] {
            try await ViewIndexTests.withViewDatabase { client, db in
                if validated {
                    let design: JSONValue = ["validate_doc_update": .string(source)]
                    #expect(try await client.send(.PUT, db + "/_design/gasp", json: design).status == 201)
                }
                let (written, seconds) = try await Self.insertJobs(client, db)
                #expect(written == 10_000)
                print("bulk insert \(validated ? "with" : "without") gasp validate_doc_update: \(written) docs in \(String(format: "%.2f", seconds)) s = \(Int(Double(written) / seconds)) docs/s")
            }
        }
    }

    /// Writes 10k small job documents in `_bulk_docs` batches of 1000; answers the documents
    /// written and the seconds taken.
    static func insertJobs(_ client: HTTPTestClient, _ db: String) async throws -> (Int, Double) {
        let batches = 10, size = 1000
        let bodies: [JSONValue] = (0..<batches).map { b in
            ["docs": .array((0..<size).map { i in
                ["_id": .string("job:\(b * size + i)"), "type": "job", "epoch": 1, "state": "queued"]
            })]
        }
        let clock = ContinuousClock()
        var written = 0
        let elapsed = try await clock.measure {
            for body in bodies {
                let reply = try await client.send(.POST, db + "/_bulk_docs", json: body)
                #expect(reply.status == 201)
                written += reply.json?.arrayValue?.filter { $0["ok"] == true }.count ?? 0
            }
        }
        return (written, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }
}
