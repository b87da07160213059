import Foundation
import GRDB
import JSON
import Testing
import ViewEngine
@testable import EmbeddedCouch

/// The seeking reduce (a group's first row, then SQLite's aggregate over the group) against
/// the scan over every row: for every combination of grouping, range, direction, skip and
/// limit, and for listed keys, both give the same keys and the same values, byte for byte.
/// Seeks are compared throughout (`scanBelow: 0`) and handing over to a scan part-way:
/// where groups average under three rows (the fixture's hold one to four), and always after
/// the first eight.
@Suite("Reduce by seeking groups")
struct ReduceSeekTests {
    /// Keys of every type: numbers (`1` and `1.0` collate equal), strings, arrays of differing
    /// length with nested arrays and objects, objects.
    static let keys: [JSONValue] = [
        .null, false, true, -2, 0, 1, .number(JSONNumber(uncheckedText: "1.0")), 3.5, 1000,
        "", "a", "A", "a b", "b", "ä",
        [], [.null], ["a"], ["a", 1], ["a", 1, "x"], ["a", 1, "y"], ["a", 1, "y", 9], ["a", 2], ["a", 2, [1, 2]],
        ["a", ["b"]], ["a", ["b", "c"]], ["a", ["b", "c"], 3], ["a", ["k": 1]], ["a", ["k": 1], 2], ["b"], ["b", .null, false],
        [1, "x", 3], [.number(JSONNumber(uncheckedText: "1.0")), "x", 4], [1, [2, 3]], [[1, 2], 3], [[1], [2, [3]]], [[1], [2, [3]], 4],
        [true, false], [[] as JSONValue, []],
        [:], ["a": 1], ["a": 1, "b": 2], ["a": ["x", 1]], ["b": 0],
    ]

    /// Values per view: small integers only (every group is summed by SQLite); mixed (floats,
    /// strings, arrays, nulls and large integers send some groups back to the values); and
    /// integers whose squares' sum overflows.
    static func value(view: Int, row: Int) -> JSONValue {
        switch view {
        case 0:
            return .number(JSONNumber(row % 7 - 3))
        case 1:
            switch row % 11 {
            case 0: return .number(JSONNumber(uncheckedText: "2.5"))
            case 1: return .number(JSONNumber(5_000_000_000))
            case 2: return [1, 2]
            case 3 where row % 3 == 0: return "text"
            case 4 where row % 2 == 0: return .null
            case 5: return .number(JSONNumber(uncheckedText: "1e2"))
            default: return .number(JSONNumber(row))
            }
        default:
            return .number(JSONNumber(row % 2 == 0 ? Int(Int32.min) : Int(Int32.max)))
        }
    }

    static let views = 3

    /// A store holding one index with ``views`` views over ``keys``, each key emitted by up to
    /// three documents (one of them twice).
    static func withIndex(_ body: (DatabaseStore, ViewIndexState) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gasp-seek-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try DatabaseStore(name: "t", path: directory + "/t.sqlite")
        var state = try await store.viewIndexState(ddoc: "_design/t", signature: "s")
        var rows: [IndexedRow] = []
        var documents: [String] = []
        var count = 0
        for (k, key) in keys.enumerated() {
            for copy in 0..<(1 + k % 3) {
                let id = "d\(k % 5)-\(k)-\(copy)"
                documents.append(id)
                for view in 0..<views {
                    for number in 0..<(copy == 1 ? 2 : 1) {
                        let value = value(view: view, row: count)
                        count += 1
                        rows.append(IndexedRow(
                            view: view, sort: ViewCollation.sortKey(key), number: number,
                            row: ViewRow(id: id, key: key.serializedBytes(), value: value.serializedBytes()),
                            integer: BuiltinReduce.smallInteger(value)))
                    }
                }
            }
        }
        try await store.applyViewRows(index: state.index, documents: documents, fresh: true, rows: rows, seq: 1)
        state.seq = 1
        try await body(store, state)
    }

    /// A reduce query from POST-body members.
    static func query(_ members: [String: JSONValue]) throws -> ViewQuery {
        try ViewQuery(query: QueryParameters(rawQuery: nil), body: .object(JSONObject(uniqueKeysWithValues: members.sorted { $0.key < $1.key })))
    }

    /// Each group's key and reduced value as JSON text.
    static func answer(
        _ store: DatabaseStore, _ state: ViewIndexState, view: Int, query: ViewQuery, reduce: ReduceFunction,
        strategy: ViewGrouping.Strategy, scanBelow: Int = 0
    ) async throws -> [String] {
        let level = ViewGrouping.level(of: query)
        let groups = try await ViewGrouping.groups(
            store, state: state, view: view, query: query, reduce: reduce, strategy: strategy, scanBelow: scanBelow)
        return groups.map { group in
            (ViewGrouping.groupKey(group, level: level)?.serialized() ?? "null") + " " + ViewGrouping.reduceBuiltin(group, with: reduce).serialized()
        }
    }

    static let groupings: [[String: JSONValue]] = [
        [:], ["group_level": "0"], ["group_level": "1"], ["group_level": "2"], ["group_level": "3"], ["group": "true"],
    ]

    /// Ranges, each given ascending (and swapped for descending).
    static let ranges: [[String: JSONValue]] = [
        [:],
        ["startkey": ["a"]],
        ["endkey": ["a", 1, "y"]],
        ["startkey": ["a", 1], "endkey": ["a", 2]],
        ["startkey": ["a", 1], "endkey": ["a", 2], "inclusive_end": "false"],
        ["startkey": ["a", 1, "x"], "endkey": ["a", ["b", "c"]], "inclusive_end": "false"],
        ["startkey": 1, "endkey": ["a", 1, "y", 9]],
        ["startkey": "a", "endkey": ["b"]],
        ["startkey": [1, "x"], "endkey": [[1], [2, [3]]]],
        ["startkey": ["a", 1], "startkey_docid": "d4", "endkey": ["b"], "endkey_docid": "d2-30"],
        ["startkey": ["a", 1, "y"], "startkey_docid": "d1-21-1", "endkey": ["a", 1, "y"], "endkey_docid": "d1-21-2"],
        ["key": ["a", 1, "y"]],
        ["key": 1],
        ["startkey": ["zzz"]],
    ]

    static let pages: [[String: JSONValue]] = [[:], ["limit": "1"], ["limit": "3", "skip": "2"], ["skip": "4"], ["limit": "0"]]

    static let reduces: [ReduceFunction] = [.count, .sum, .stats]

    @Test("groupings, ranges, both directions, skip and limit: the seek answers as the scan does")
    func rangesAgree() async throws {
        try await Self.withIndex { store, state in
            var compared = 0
            var groupsSeen = 0
            for view in 0..<Self.views {
                for reduce in Self.reduces {
                    for grouping in Self.groupings {
                        for range in Self.ranges {
                            for descending in [false, true] {
                                for page in Self.pages {
                                    var members = grouping.merging(page) { a, _ in a }
                                    for (name, value) in range {
                                        switch (descending, name) {
                                        case (true, "startkey"): members["endkey"] = value
                                        case (true, "endkey"): members["startkey"] = value
                                        case (true, "startkey_docid"): members["endkey_docid"] = value
                                        case (true, "endkey_docid"): members["startkey_docid"] = value
                                        default: members[name] = value
                                        }
                                    }
                                    if descending { members["descending"] = "true" }
                                    let query = try Self.query(members)
                                    guard (try? query.validate(hasReduce: true)) == true else { continue }
                                    let scanned = try await Self.answer(store, state, view: view, query: query, reduce: reduce, strategy: .scan)
                                    let sought = try await Self.answer(store, state, view: view, query: query, reduce: reduce, strategy: .seek)
                                    for scanBelow in [3, 1000] {
                                        let handedOver = try await Self.answer(
                                            store, state, view: view, query: query, reduce: reduce, strategy: .seek, scanBelow: scanBelow)
                                        #expect(handedOver == scanned)
                                    }
                                    #expect(sought == scanned, "view \(view), \(reduce), \(JSONValue.object(JSONObject(uniqueKeysWithValues: members.sorted { $0.key < $1.key })).serialized())")
                                    compared += 1
                                    groupsSeen += scanned.count
                                }
                            }
                        }
                    }
                }
            }
            #expect(compared > 2000)
            #expect(groupsSeen > 10_000)
        }
    }

    @Test("listed keys, grouped and not, both directions: the seek answers as the scan does")
    func keysAgree() async throws {
        let lists: [[JSONValue]] = [
            [["a", 1, "y"], ["a"], 1, ["missing"], ["a", 1, "y"]],
            [[1, "x", 3], "a", [:], ["a": 1], .null],
            [],
        ]
        try await Self.withIndex { store, state in
            for view in 0..<Self.views {
                for reduce in Self.reduces {
                    for grouping in Self.groupings {
                        for keys in lists {
                            for descending in [false, true] {
                                for page in Self.pages {
                                    var members = grouping.merging(page) { a, _ in a }
                                    members["keys"] = .array(keys)
                                    if descending { members["descending"] = "true" }
                                    let query = try Self.query(members)
                                    let scanned = try await Self.answer(store, state, view: view, query: query, reduce: reduce, strategy: .scan)
                                    let sought = try await Self.answer(store, state, view: view, query: query, reduce: reduce, strategy: .seek)
                                    for scanBelow in [3, 1000] {
                                        let handedOver = try await Self.answer(
                                            store, state, view: view, query: query, reduce: reduce, strategy: .seek, scanBelow: scanBelow)
                                        #expect(handedOver == scanned)
                                    }
                                    #expect(sought == scanned, "view \(view), \(reduce), keys \(keys), \(members)")
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    @Test("the groups of the fixture are what CouchDB shows: 1 and 1.0 together, arrays by prefix")
    func fixtureGroups() async throws {
        try await Self.withIndex { store, state in
            let query = try Self.query(["group_level": "2", "startkey": [1], "endkey": [1, [:]]])
            let answer = try await Self.answer(store, state, view: 0, query: query, reduce: .count, strategy: .seek)
            let together = Self.copies(of: [1, "x", 3]) + Self.copies(of: [.number(JSONNumber(uncheckedText: "1.0")), "x", 4])
            #expect(answer == [#"[1,"x"] "# + String(together), "[1,[2,3]] " + String(Self.copies(of: [1, [2, 3]]))])
        }
    }

    /// Rows the fixture emits under `key` in one view.
    static func copies(of key: JSONValue) -> Int {
        guard let k = keys.firstIndex(of: key) else { return 0 }
        return 1 + k % 3 + (k % 3 >= 1 ? 1 : 0)
    }

    @Test("JavaScript reduces keep the scan; `_sum` and `_stats` over listed keys without grouping too")
    func strategies() throws {
        let plain = try Self.query([:])
        let listed = try Self.query(["keys": [1, 2]])
        let listedGrouped = try Self.query(["keys": [1, 2], "group": "true"])
        #expect(ViewGrouping.strategy(for: plain, reduce: .javaScript("function(k, v) { return 1; }")) == .scan)
        #expect(ViewGrouping.strategy(for: plain, reduce: .sum) == .seek)
        #expect(ViewGrouping.strategy(for: listed, reduce: .count) == .seek)
        #expect(ViewGrouping.strategy(for: listed, reduce: .sum) == .scan)
        #expect(ViewGrouping.strategy(for: listed, reduce: .stats) == .scan)
        #expect(ViewGrouping.strategy(for: listedGrouped, reduce: .stats) == .seek)
    }

    @Test("only integers that fit in 32 bits are stored for SQLite to sum")
    func smallIntegers() {
        #expect(BuiltinReduce.smallInteger(7) == 7)
        #expect(BuiltinReduce.smallInteger(.number(JSONNumber(Int(Int32.min)))) == Int(Int32.min))
        #expect(BuiltinReduce.smallInteger(.number(JSONNumber(Int(Int32.max) + 1))) == nil)
        #expect(BuiltinReduce.smallInteger(.number(JSONNumber(uncheckedText: "1.0"))) == nil)
        #expect(BuiltinReduce.smallInteger(.number(JSONNumber(uncheckedText: "1e2"))) == nil)
        #expect(BuiltinReduce.smallInteger(.number(JSONNumber(uncheckedText: "-9223372036854775808"))) == nil)
        #expect(BuiltinReduce.smallInteger("1") == nil)
        #expect(BuiltinReduce.smallInteger(.null) == nil)
    }

    @Test("an index written before the num column gets it on opening and still sums right")
    func olderSchemaUpgrades() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gasp-seek-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/t.sqlite"
        do {
            let old = try DatabaseQueue(path: path)
            try await old.write { db in
                try db.execute(sql: """
                    CREATE TABLE view_indexes(
                        id INTEGER PRIMARY KEY AUTOINCREMENT, ddoc TEXT NOT NULL, signature TEXT NOT NULL, seq INTEGER NOT NULL,
                        UNIQUE(ddoc, signature));
                    CREATE TABLE view_rows(
                        ix INTEGER NOT NULL, view INTEGER NOT NULL, sort BLOB NOT NULL, doc_id TEXT NOT NULL, n INTEGER NOT NULL,
                        key BLOB NOT NULL, value BLOB NOT NULL, PRIMARY KEY(ix, view, sort, doc_id, n)) WITHOUT ROWID;
                    CREATE INDEX view_rows_doc ON view_rows(ix, doc_id);
                    INSERT INTO view_indexes(ddoc, signature, seq) VALUES ('_design/t', 's', 1);
                    """)
                let keys: [JSONValue] = [["a", 1], ["a", 2], ["b"]]
                for (i, key) in keys.enumerated() {
                    try db.execute(
                        sql: "INSERT INTO view_rows(ix, view, sort, doc_id, n, key, value) VALUES (1, 0, ?, ?, 0, ?, ?)",
                        arguments: [Data(ViewCollation.sortKey(key)), "d\(i)", Data(key.serializedBytes()), Data("\(i + 1)".utf8)])
                }
            }
            try old.close()
        }
        let store = try DatabaseStore(name: "t", path: path)
        let columns = try await store.pool.read { db in try db.columns(in: "view_rows").map(\.name) }
        #expect(columns.contains("num"))
        var state = try await store.viewIndexState(ddoc: "_design/t", signature: "s")
        // A row written after the upgrade carries its integer; the older ones do not.
        try await store.applyViewRows(
            index: state.index, documents: ["d9"], fresh: false,
            rows: [IndexedRow(view: 0, sort: ViewCollation.sortKey(["a", 3]), number: 0,
                              row: ViewRow(id: "d9", key: Array(#"["a",3]"#.utf8), value: Array("10".utf8)), integer: 10)],
            seq: 2)
        state.seq = 2
        for grouping in Self.groupings {
            for reduce in Self.reduces {
                let query = try Self.query(grouping)
                let scanned = try await Self.answer(store, state, view: 0, query: query, reduce: reduce, strategy: .scan)
                let sought = try await Self.answer(store, state, view: 0, query: query, reduce: reduce, strategy: .seek)
                #expect(sought == scanned, "\(reduce), \(grouping)")
            }
        }
        let total = try await Self.answer(store, state, view: 0, query: try Self.query([:]), reduce: .sum, strategy: .seek)
        #expect(total == ["null 16"])
        try store.close()
    }
}
