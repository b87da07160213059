import Foundation
import JSON
import NIOHTTP1
import Testing
import TestSupport

/// View indexes through a real loopback server: incremental updates, per-design-document
/// rebuilds, stale queries and reduces. They hold against Apache CouchDB too
/// (`GASP_TEST_COUCHDB_URL`); design documents queried stale set `autoupdate: false`.
@Suite("View indexes")
struct ViewIndexTests {
    /// A fresh database with `body` run against it through ``HTTPTestClient``.
    static func withViewDatabase(_ body: @Sendable (HTTPTestClient, String) async throws -> Void) async throws {
        try await withTestCouch { couch in
            let client = HTTPTestClient(couch: couch)
            let db = "/" + couch.uniqueDatabaseName("gasp_views")
            #expect(try await client.send(.PUT, db + "?q=1").status == 201)
            do {
                try await body(client, db)
            } catch {
                _ = try? await client.send(.DELETE, db)
                throw error
            }
            _ = try await client.send(.DELETE, db)
        }
    }

    static func keys(_ reply: HTTPTestClient.Reply) -> [JSONValue] {
        reply.json?["rows"]?.arrayValue?.map { $0["key"] ?? .null } ?? []
    }

    static func values(_ reply: HTTPTestClient.Reply) -> [JSONValue] {
        reply.json?["rows"]?.arrayValue?.map { $0["value"] ?? .null } ?? []
    }

    @Test("writes and deletes after a query reach the index, and only changed documents move")
    func incrementalUpdate() async throws {
        try await Self.withViewDatabase { client, db in
            let design: JSONValue = ["views": ["by_n": ["map": "function(doc) { if (doc.n !== undefined) { emit(doc.n, doc.tag || null); } }"]]]
            #expect(try await client.send(.PUT, db + "/_design/app", json: design).status == 201)
            let bulk = try await client.send(.POST, db + "/_bulk_docs", json: ["docs": [
                ["_id": "a", "n": 3], ["_id": "b", "n": 1], ["_id": "c", "n": 2],
            ]])
            #expect(bulk.status == 201)
            var reply = try await client.send(.GET, db + "/_design/app/_view/by_n")
            #expect(Self.keys(reply) == [1, 2, 3])
            #expect(reply.json?["total_rows"] == 3)

            let revA = try #require(bulk.json?[0]?["rev"]?.stringValue)
            let revB = try #require(bulk.json?[1]?["rev"]?.stringValue)
            #expect(try await client.send(.PUT, db + "/a", json: ["_rev": .string(revA), "n": 0, "tag": "moved"]).status == 201)
            #expect(try await client.send(.DELETE, db + "/b?rev=" + revB).status == 200)
            #expect(try await client.send(.PUT, db + "/d", json: ["n": 9]).status == 201)

            reply = try await client.send(.GET, db + "/_design/app/_view/by_n")
            #expect(Self.keys(reply) == [0, 2, 9])
            #expect(Self.values(reply) == ["moved", nil, nil])
            #expect(reply.json?["rows"]?[0]?["id"] == "a")
            #expect(reply.json?["total_rows"] == 3)
        }
    }

    @Test("changing one design document's views rebuilds its index only; other edits keep it")
    func designChangeRebuildsOnlyThatIndex() async throws {
        try await Self.withViewDatabase { client, db in
            let first: JSONValue = ["autoupdate": false, "views": ["v": ["map": "function(doc) { if (doc.n) { emit(doc.n, 'first'); } }"]]]
            let second: JSONValue = ["autoupdate": false, "views": ["w": ["map": "function(doc) { if (doc.n) { emit(doc.n, 'second'); } }"]]]
            let p1 = try await client.send(.PUT, db + "/_design/first", json: first)
            let p2 = try await client.send(.PUT, db + "/_design/second", json: second)
            #expect(p1.status == 201 && p2.status == 201)
            _ = try await client.send(.POST, db + "/_bulk_docs", json: ["docs": [["_id": "x", "n": 1], ["_id": "y", "n": 2]]])
            #expect(Self.keys(try await client.send(.GET, db + "/_design/first/_view/v")) == [1, 2])
            #expect(Self.keys(try await client.send(.GET, db + "/_design/second/_view/w")) == [1, 2])

            // A new document, then a new map in `first` and an unrelated edit of `second`.
            #expect(try await client.send(.PUT, db + "/z", json: ["n": 3]).status == 201)
            var changed = first
            changed = ["autoupdate": false, "views": ["v": ["map": "function(doc) { if (doc.n) { emit(doc.n * 10, 'changed'); } }"]]]
            changed = try Self.with(changed, rev: p1.json?["rev"])
            #expect(try await client.send(.PUT, db + "/_design/first", json: changed).status == 201)
            var noted: JSONValue = ["autoupdate": false, "note": "not a view change", "views": second["views"]!]
            noted = try Self.with(noted, rev: p2.json?["rev"])
            #expect(try await client.send(.PUT, db + "/_design/second", json: noted).status == 201)

            // `second` kept its index (stale: no z); `first` starts again from nothing.
            #expect(Self.keys(try await client.send(.GET, db + "/_design/second/_view/w?update=false")) == [1, 2])
            #expect(Self.keys(try await client.send(.GET, db + "/_design/first/_view/v?update=false")) == [])
            let rebuilt = try await client.send(.GET, db + "/_design/first/_view/v")
            #expect(Self.keys(rebuilt) == [10, 20, 30])
            #expect(Self.values(rebuilt) == ["changed", "changed", "changed"])
            #expect(Self.keys(try await client.send(.GET, db + "/_design/second/_view/w")) == [1, 2, 3])
        }
    }

    @Test("update=false, stale=ok and update=lazy answer from the index as it is")
    func staleQueries() async throws {
        try await Self.withViewDatabase { client, db in
            let design: JSONValue = ["autoupdate": false, "views": ["v": ["map": "function(doc) { emit(doc.k, null); }"]]]
            #expect(try await client.send(.PUT, db + "/_design/s", json: design).status == 201)
            #expect(try await client.send(.PUT, db + "/one", json: ["k": 1]).status == 201)
            #expect(Self.keys(try await client.send(.GET, db + "/_design/s/_view/v?update=false")) == [])
            #expect(Self.keys(try await client.send(.GET, db + "/_design/s/_view/v")) == [1])
            #expect(try await client.send(.PUT, db + "/two", json: ["k": 2]).status == 201)
            #expect(Self.keys(try await client.send(.GET, db + "/_design/s/_view/v?update=false")) == [1])
            #expect(Self.keys(try await client.send(.GET, db + "/_design/s/_view/v?stale=ok")) == [1])
            let lazy = try await client.send(.GET, db + "/_design/s/_view/v?update=lazy")
            #expect(Self.keys(lazy).first == 1)
            // The lazy query started an update; it completes without another full query.
            let deadline = Date().addingTimeInterval(10)
            var keys: [JSONValue] = []
            while Date() < deadline {
                keys = Self.keys(try await client.send(.GET, db + "/_design/s/_view/v?update=false"))
                if keys.count == 2 { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(keys == [1, 2])
        }
    }

    @Test("group_level and ranges over a reduce, keys over a map, linked include_docs")
    func queries() async throws {
        try await Self.withViewDatabase { client, db in
            let design: JSONValue = ["views": [
                "count": ["map": "function(doc) { if (doc.y) { emit([doc.y, doc.m, doc.d], doc.v); } }", "reduce": "_sum"],
                "link": ["map": "function(doc) { if (doc.y) { emit(doc._id, {_id: doc.ref}); } }"],
            ]]
            #expect(try await client.send(.PUT, db + "/_design/r", json: design).status == 201)
            var docs: [JSONValue] = []
            for i in 0..<40 {
                docs.append(["_id": .string("d\(i)"), "y": .number(JSONNumber(2020 + i % 2)), "m": .number(JSONNumber(i % 3)),
                             "d": .number(JSONNumber(i)), "v": .number(JSONNumber(i)), "ref": .string("d\((i + 1) % 40)")])
            }
            #expect(try await client.send(.POST, db + "/_bulk_docs", json: ["docs": .array(docs)]).status == 201)
            let top = try await client.send(.GET, db + "/_design/r/_view/count")
            #expect(Self.values(top) == [780])
            let byYear = try await client.send(.GET, db + "/_design/r/_view/count?group_level=1")
            #expect(Self.keys(byYear) == [[2020], [2021]])
            #expect(Self.values(byYear) == [380, 400])
            let byMonth = try await client.send(.GET, db + "/_design/r/_view/count?group_level=2&startkey=%5B2021%5D")
            #expect(Self.keys(byMonth) == [[2021, 0], [2021, 1], [2021, 2]])
            let total = Self.values(byMonth).compactMap { $0.intValue }.reduce(0, +)
            #expect(total == 400)

            let linked = try await client.send(.POST, db + "/_design/r/_view/link", json: ["keys": ["d5", "nope", "d39"], "include_docs": true])
            let rows = try #require(linked.json?["rows"]?.arrayValue)
            #expect(rows.count == 2)
            #expect(rows.first?["doc"]?["_id"] == "d6")
            #expect(rows.last?["doc"]?["_id"] == "d0")
        }
    }

    static func with(_ value: JSONValue, rev: JSONValue?) throws -> JSONValue {
        guard case .object(var members) = value, let rev else { throw TestSupportError("no revision") }
        members["_rev"] = rev
        return .object(members)
    }
}
