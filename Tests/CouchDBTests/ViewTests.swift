@testable import CouchDB
import Foundation
import JSON
import Testing
import TestSupport

@Suite("Views (live)")
struct ViewTests {
    static let design: JSONValue = [
        "language": "javascript",
        "views": [
            "by_status": [
                "map": "function (doc) { if (doc.type === 'pass') { emit([doc.status, doc.module], doc.run); } }",
                "reduce": "_count",
            ],
            "by_run": ["map": "function (doc) { if (doc.type === 'pass') { emit(doc.run, {_id: doc.job}); } }"],
        ],
    ]

    static let passes: [JSONValue] = [
        ["_id": "p1", "type": "pass", "status": "waiting", "module": "a", "run": 1, "job": "j1"],
        ["_id": "p2", "type": "pass", "status": "waiting", "module": "b", "run": 2, "job": "j1"],
        ["_id": "p3", "type": "pass", "status": "running", "module": "a", "run": 3, "job": "j2"],
        ["_id": "p4", "type": "pass", "status": "waiting", "module": "a", "run": 4, "job": "j2"],
        ["_id": "j1", "type": "job", "name": "one"],
        ["_id": "j2", "type": "job", "name": "two"],
    ]

    @Test("keys, ranges, paging, reduce and grouping, include_docs with linked documents")
    func queries() async throws {
        try await withDatabase { db, _ in
            _ = try await db.putDesignDocument("gasp", Self.design)
            _ = try await db.bulkDocs(Self.passes)

            let all = try await db.view("gasp", "by_status", ViewQuery(reduce: false))
            #expect(all.totalRows == 4)
            #expect(all.rows.map(\.id) == ["p3", "p1", "p4", "p2"])

            let waitingA = try await db.view("gasp", "by_status", ViewQuery(key: ["waiting", "a"], reduce: false))
            #expect(waitingA.rows.map(\.value) == [1, 4])

            let range = try await db.view("gasp", "by_status", ViewQuery(
                startKey: ["waiting"], endKey: ["waiting", [:]], limit: 2, skip: 1, reduce: false))
            #expect(range.rows.map(\.id) == ["p4", "p2"])

            let paged = try await db.view("gasp", "by_status", ViewQuery(
                startKey: ["waiting", "a"], startKeyDocID: "p4", reduce: false))
            #expect(paged.rows.map(\.id) == ["p4", "p2"])

            let descending = try await db.view("gasp", "by_status", ViewQuery(descending: true, limit: 1, reduce: false))
            #expect(descending.rows.first?.id == "p2")

            let counted = try await db.view("gasp", "by_status")
            #expect(counted.rows.map(\.value) == [4])
            let grouped = try await db.view("gasp", "by_status", ViewQuery(groupLevel: 1))
            #expect(grouped.rows.map(\.key) == [["running"], ["waiting"]])
            #expect(grouped.rows.map(\.value) == [1, 3])

            let keyed = try await db.view("gasp", "by_status", ViewQuery(keys: [["running", "a"], ["waiting", "b"]], group: true))
            #expect(keyed.rows.map(\.value) == [1, 1])

            let linked = try await db.view("gasp", "by_run", ViewQuery(key: 3, includeDocs: true, updateSeq: true))
            #expect(linked.rows.first?.doc?["name"] == "two")
            #expect(linked.updateSequence != nil)

            let stale = try await db.view("gasp", "by_run", ViewQuery(update: .false))
            #expect(stale.rows.count == 4)

            let misuse = await #expect(throws: CouchError.self) {
                try await db.view("gasp", "by_run", ViewQuery(group: true))
            }
            #expect(misuse?.code == .badRequest)
            #expect(misuse?.error == "query_parse_error")
            let unknown = await #expect(throws: CouchError.self) { try await db.view("gasp", "nope") }
            #expect(unknown?.code == .notFound)
        }
    }
}
