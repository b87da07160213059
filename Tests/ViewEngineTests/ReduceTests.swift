import JSON
import Testing
@testable import ViewEngine

/// The people of view_reduce_builtin.
private let people: [JSONValue] = [
    ["_id": "p01", "name": "alice", "city": "london", "born": 1988, "score": try! json("34.5")],
    ["_id": "p02", "name": "bob", "city": "paris", "born": 1975, "score": try! json("51.0")],
    ["_id": "p03", "name": "carol", "city": "london", "born": 1992, "score": try! json("28.25")],
    ["_id": "p04", "name": "dave", "city": "berlin", "born": 1988, "score": try! json("40.0")],
    ["_id": "p05", "name": "erin", "city": "paris", "born": 2001, "score": try! json("19.75")],
    ["_id": "p06", "name": "frank", "city": "london", "born": 1975, "score": try! json("62.5")],
    ["_id": "p07", "name": "grace", "city": "berlin", "born": 1992, "score": try! json("33.0")],
]

/// Maps `docs`, sorts rows by collation, groups them at `level` and reduces each group.
private func grouped(
    _ pool: QueryServerPool, _ ddoc: DesignDocument, view: Int, docs: [JSONValue], level: Int?
) async throws -> [(key: JSONValue, value: String)] {
    let results = try await pool.map(ddoc, documents: docs)
    var rows: [ReduceRow] = []
    for (doc, result) in zip(docs, results) {
        for row in result.views[view] { rows.append(ReduceRow(key: row.key, id: doc["_id"]!.stringValue!, value: row.value)) }
    }
    rows.sort { let c = ViewCollation.compare($0.key, $1.key); return c != 0 ? c < 0 : $0.id < $1.id }
    var groups: [(key: JSONValue, rows: [ReduceRow])] = []
    for row in rows {
        let key = level == 0 ? JSONValue.null : ViewCollation.groupKey(row.key, level: level)
        if let last = groups.last, ViewCollation.compare(last.key, key) == 0 {
            groups[groups.count - 1].rows.append(row)
        } else {
            groups.append((key, [row]))
        }
    }
    let function = try #require(ddoc.views[view].reduce)
    var out: [(key: JSONValue, value: String)] = []
    for group in groups {
        out.append((group.key, try await pool.reduce(function, rows: group.rows).serialized()))
    }
    return out
}

@Suite("Built-in and JavaScript reduces")
struct ReduceTests {
    @Test("_sum and _stats keep integers unless a float takes part (view_reduce_builtin)")
    func builtinNumbers() async throws {
        let ddoc = try design(views: [
            "sum_score": ("function(doc) { emit([doc.city, doc.born, doc.name], doc.score); }", "_sum"),
            "stats_score": ("function(doc) { emit(doc.city, doc.score); }", "_stats"),
            "count_city": ("function(doc) { emit([doc.city, doc.born], 1); }", "_count"),
        ])
        try await TestPool.with { (pool: QueryServerPool) async throws in
            let whole = try await grouped(pool, ddoc, view: 0, docs: people, level: 0)
            #expect(whole.map(\.value) == ["269.0"])
            let byCity = try await grouped(pool, ddoc, view: 0, docs: people, level: 1)
            #expect(byCity.map(\.key) == [["berlin"], ["london"], ["paris"]])
            #expect(byCity.map(\.value) == ["73", "125.25", "70.75"])
            let byYear = try await grouped(pool, ddoc, view: 0, docs: people, level: 2)
            #expect(byYear.map(\.value) == ["40", "33", "62.5", "34.5", "28.25", "51", "19.75"])
            let stats = try await grouped(pool, ddoc, view: 1, docs: people, level: 0)
            #expect(stats.map(\.value) == [#"{"sum":269.0,"count":7,"min":19.75,"max":62.5,"sumsqr":11574.625}"#])
            let statsByCity = try await grouped(pool, ddoc, view: 1, docs: people, level: nil)
            #expect(statsByCity.map(\.value) == [
                #"{"sum":73,"count":2,"min":33,"max":40,"sumsqr":2689}"#,
                #"{"sum":125.25,"count":3,"min":28.25,"max":62.5,"sumsqr":5894.5625}"#,
                #"{"sum":70.75,"count":2,"min":19.75,"max":51,"sumsqr":2991.0625}"#,
            ])
            let counts = try await grouped(pool, ddoc, view: 2, docs: people, level: 1)
            #expect(counts.map(\.value) == ["2", "3", "2"])
        }
    }

    @Test("_sum over arrays and objects, float sums, _stats over arrays, _sum over strings (view_reduce_shapes)")
    func builtinShapes() throws {
        let arrays: [JSONValue] = [[1, 10], [2, 20], [3, 30], [5, try json("0.5")]]
        #expect(try BuiltinReduce.reduce(.sum, values: arrays).serialized() == "[11,60.5]")
        #expect(try BuiltinReduce.reduce(.sum, values: Array(arrays[2...])).serialized() == "[8,30.5]")
        let objects: [JSONValue] = [["b": 10, "a": 1], ["a": 2, "b": 20], ["a": 3, "b": 30], ["a": 5, "b": try json("0.5")]]
        #expect(try BuiltinReduce.reduce(.sum, values: Array(objects[0...1])).serialized() == #"{"a":3,"b":30}"#)
        #expect(try BuiltinReduce.reduce(.sum, values: Array(objects[2...])).serialized() == #"{"a":8,"b":30.5}"#)
        #expect(try BuiltinReduce.reduce(.sum, values: [try json("0.25"), try json("0.5")]).serialized() == "0.75")
        #expect(try BuiltinReduce.reduce(.sum, values: [try json("0.75"), try json("1.25")]).serialized() == "2.0")
        #expect(try BuiltinReduce.reduce(.count, values: [nil, nil, nil, nil]).serialized() == "4")
        #expect(try BuiltinReduce.reduce(.stats, values: Array(arrays[2...])).serialized()
            == #"[{"sum":8,"count":2,"min":3,"max":5,"sumsqr":34},{"sum":30.5,"count":2,"min":0.5,"max":30,"sumsqr":900.25}]"#)
        let bad = try BuiltinReduce.reduce(.sum, values: ["text", "text"])
        #expect(bad["error"] == "builtin_reduce_error")
        #expect(bad["reason"]?.stringValue == BuiltinReduce.sumErrorReason)
        #expect(bad["caused_by"] == "text")
        // The error object survives a rereduce, as in CouchDB.
        #expect(try BuiltinReduce.rereduce(.sum, values: [3, bad]) == bad)
        #expect(throws: ViewEngineError.self) { try BuiltinReduce.reduce(.stats, values: ["x"]) }
    }

    @Test("rereduce of partial built-in results equals the reduce of everything")
    func builtinRereduce() throws {
        let values: [JSONValue] = (1...20).map { $0 % 3 == 0 ? .double(Double($0) + 0.5) : .int($0) }
        for function in [ReduceFunction.count, .sum, .stats] {
            let whole = try BuiltinReduce.reduce(function, values: values)
            let parts = try [values[0..<7], values[7..<15], values[15...]].map { try BuiltinReduce.reduce(function, values: Array($0)) }
            #expect(try BuiltinReduce.rereduce(function, values: parts) == whole)
        }
    }

    @Test("JavaScript reduce and rereduce match view_reduce_js")
    func javaScriptReduce() async throws {
        let buckets = ["low", "mid", "high"]
        let docs: [JSONValue] = (0..<60).map { i in
            ["_id": .string("r\(i)"), "bucket": .string(buckets[i % 3]), "sub": .int(i % 4), "val": .int((i * 37) % 101)]
        }
        let agg = """
            function(keys, values, rereduce) { var out = {count: 0, min: null, max: null, total: 0}; for (var i = 0; i < values.length; i++) {  var v = values[i];  if (rereduce) {   out.count += v.count; out.total += v.total;   if (v.min !== null && (out.min === null || v.min < out.min)) { out.min = v.min; }   if (v.max !== null && (out.max === null || v.max > out.max)) { out.max = v.max; }  } else {   out.count += 1; out.total += v;   if (out.min === null || v < out.min) { out.min = v; }   if (out.max === null || v > out.max) { out.max = v; }  } } return out; }
            """
        let ddoc = try design(views: [
            "agg": ("function(doc) { if (doc.bucket) { emit([doc.bucket, doc.sub], doc.val); } }", agg),
            "len": ("function(doc) { if (doc.bucket) { emit(doc.bucket, doc.val); } }",
                    "function(keys, values, rereduce) { if (rereduce) { return sum(values); } return values.length; }"),
        ])
        try await TestPool.with { (pool: QueryServerPool) async throws in
            try await pool.compile(ddoc)
            let results = try await pool.map(ddoc, documents: docs)
            var rows: [ReduceRow] = []
            for (doc, result) in zip(docs, results) {
                for row in result.views[0] { rows.append(ReduceRow(key: row.key, id: doc["_id"]!.stringValue!, value: row.value)) }
            }
            // Reduce in chunks, then rereduce: what a B-tree of partial reductions does.
            let aggFunction = try #require(ddoc.views[0].reduce)
            var partials: [JSONValue] = []
            for start in stride(from: 0, to: rows.count, by: 7) {
                partials.append(try await pool.reduce(aggFunction, rows: Array(rows[start..<min(start + 7, rows.count)])))
            }
            let total = try await pool.rereduce(aggFunction, values: partials)
            #expect(total == ["count": 60, "min": 0, "max": 100, "total": 2971])
            let high = rows.filter { $0.key[0] == "high" }
            #expect(try await pool.reduce(aggFunction, rows: high) == ["count": 20, "min": 2, "max": 94, "total": 956])
            let lenFunction = try #require(ddoc.views[1].reduce)
            let counts = try await pool.reduce(lenFunction, rows: Array(rows[0..<25]))
            let rest = try await pool.reduce(lenFunction, rows: Array(rows[25...]))
            #expect(try await pool.rereduce(lenFunction, values: [counts, rest]) == 60)
        }
    }

    @Test("a JavaScript reduce whose output does not shrink hits CouchDB's reduce_limit")
    func reduceLimit() async throws {
        let keepAll = ReduceFunction.javaScript("function(keys, values, rereduce) { return values; }")
        let rows = (0..<2000).map { ReduceRow(key: .int($0), id: "d\($0)", value: .string("a value that is long enough \($0)")) }
        try await TestPool.with(processes: 1) { (pool: QueryServerPool) async throws in
            let small = try await pool.reduce(keepAll, rows: Array(rows.prefix(10)))
            #expect(small.arrayValue?.count == 10)
            let big = try await pool.reduce(keepAll, rows: rows)
            #expect(big["reduce_overflow_error"]?.stringValue?.hasPrefix("Reduce output must shrink more rapidly") == true)
        }
    }

    @Test("a JavaScript reduce that throws is reported as an error and the process stays usable")
    func javaScriptReduceError() async throws {
        try await TestPool.with(processes: 1) { (pool: QueryServerPool) async throws in
            await #expect(throws: ViewEngineError.self) {
                try await pool.reduce(.javaScript("function(k, v, r) { throw new Error('nope'); }"), rows: [ReduceRow(key: 1, id: "a", value: 1)])
            }
            let value = try await pool.reduce(.javaScript("function(k, v, r) { return v.length; }"), rows: [ReduceRow(key: 1, id: "a", value: 1)])
            #expect(value == 1)
            #expect(await pool.processesStarted == 1)
        }
    }
}
