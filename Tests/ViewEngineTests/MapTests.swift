import JSON
import Testing
@testable import ViewEngine

@Suite("Map functions through the query server")
struct MapTests {
    @Test("values crossing JavaScript become doubles, as recorded in view_js_values")
    func javaScriptValues() async throws {
        let ddoc = try design(views: [
            "vals": ("""
                function(doc) { if (doc._id === 'n') { emit('one', doc.one); emit('big', doc.big); emit('third', doc.third); emit('e', doc.e); emit('neg', doc.neg); emit('undef', doc.nothing); emit('nan', 0/0); emit('inf', 1/0); emit('sum', 0.1 + 0.2); emit('div', 10 / 4); emit('huge', doc.huge); emit('thousand', doc.thousand); } }
                """, nil),
            "undef_key": ("function(doc) { if (doc._id === 'n') { emit(doc.nothing, 'undefined key'); } }", nil),
            "no_args": ("function(doc) { if (doc._id === 'n') { emit(); } }", nil),
        ])
        let raw = #"{"_id":"n","one":1.0,"big":123456789012345678901,"third":0.3333333333333333,"e":1e21,"neg":-2.50,"huge":123456789012345678901234567890,"thousand":1000.0}"#
        let results = try await TestPool.with { (pool: QueryServerPool) async throws in
            try await pool.map(ddoc, documentJSON: [Array(raw.utf8)])
        }
        let result = try #require(results.first)
        var values: [String: String] = [:]
        for row in result.views[0] { values[row.key.stringValue ?? "?"] = row.value.serialized() }
        #expect(values == [
            "one": "1", "big": "123456789012345680000", "third": "0.3333333333333333", "e": "1e+21",
            "neg": "-2.5", "undef": "null", "nan": "null", "inf": "null", "sum": "0.30000000000000004",
            "div": "2.5", "huge": "1.2345678901234568e+29", "thousand": "1000",
        ])
        #expect(result.views[1] == [EmittedRow(key: .null, value: "undefined key")])
        #expect(result.views[2] == [EmittedRow(key: .null, value: .null)])
        #expect(result.failures.isEmpty)
    }

    @Test("a map that throws contributes no rows for that document, even rows emitted before the throw")
    func throwingMaps() async throws {
        let ddoc = try design(views: [
            "explicit": ("function(doc) { if (doc.n < 0) { throw({message: 'negative'}); } emit(doc.n, doc._id); }", nil),
            "typeerror": ("function(doc) { emit(doc.nested.x, doc.n); }", nil),
            "partial": ("function(doc) { emit(['before', doc._id], null); if (!doc.nested) { throw new Error('no nested'); } emit(['after', doc._id], null); }", nil),
        ])
        let docs: [JSONValue] = [
            ["_id": "ok1", "n": 1, "nested": ["x": "a"]],
            ["_id": "bad1", "n": -1, "nested": ["x": "b"]],
            ["_id": "ok2", "n": 2, "nested": ["x": "c"]],
            ["_id": "bad2", "n": 3],
            ["_id": "ok3", "n": 4, "nested": ["x": "d"]],
        ]
        let results = try await TestPool.with { try await $0.map(ddoc, documents: docs) }
        #expect(results.count == 5)
        let explicitIDs = results.enumerated().filter { !$0.element.views[0].isEmpty }.map { docs[$0.offset]["_id"]!.stringValue! }
        #expect(explicitIDs == ["ok1", "ok2", "bad2", "ok3"])
        let typeErrorKeys = results.flatMap { $0.views[1].map(\.key) }
        #expect(typeErrorKeys == ["a", "b", "c", "d"])
        #expect(results[3].views[2].isEmpty)
        #expect(results[0].views[2].count == 2)
        #expect(results[1].failures.map(\.view) == ["explicit"])
        #expect(results[3].failures.map(\.view) == ["typeerror", "partial"])
        #expect(results[3].failures[0].message.contains("TypeError"))
        #expect(results[3].failures[1].message.contains("no nested"))
    }

    @Test("couchjs helpers sum, toJSON, isArray and log are available; documents are sealed")
    func helpers() async throws {
        let ddoc = try design(views: [
            "helpers": ("""
                function(doc) { log('mapping ' + doc._id); emit(sum(doc.xs), [toJSON(doc.xs), isArray(doc.xs), isArray(doc._id)]); }
                """, nil),
            "mutate": ("function(doc) { doc.xs.push(99); doc.added = 1; emit(doc.added === undefined, doc.xs.length); }", nil),
            "after": ("function(doc) { emit(doc.xs.length, doc.added === undefined); }", nil),
        ])
        let results = try await TestPool.with { try await $0.map(ddoc, documents: [["_id": "h", "xs": [1, 2, 3.5]]]) }
        let result = try #require(results.first)
        #expect(result.views[0] == [EmittedRow(key: try json("6.5"), value: try json(#"["[1,2,3.5]",true,false]"#))])
        // Pushing onto a frozen array throws, so `mutate` emits nothing; `after` sees the original document.
        #expect(result.views[1].isEmpty)
        #expect(result.views[2] == [EmittedRow(key: 3, value: true)])
    }

    @Test("characters outside the BMP are two UTF-16 units in JavaScript, as in couchjs, and come back as UTF-8")
    func surrogates() async throws {
        let ddoc = try design(views: [
            "s": ("function(doc) { emit(doc.s, String.fromCharCode(0xD83D, 0xDE00) + doc.s.length); }", nil),
        ])
        let results = try await TestPool.with { try await $0.map(ddoc, documents: [["_id": "u", "s": "é😀"]]) }
        let row = try #require(results.first?.views[0].first)
        #expect(row.key == "é😀")
        #expect(row.value == "😀3")
    }

    @Test("document JSON with line breaks between tokens is accepted as stored")
    func rawDocumentText() async throws {
        let ddoc = try design(views: ["v": ("function(doc) { emit(doc.text, doc.n); }", nil)])
        let raw = "{\n  \"_id\": \"r\",\r\n  \"text\": \"line\\nbreak\",\n  \"n\": 2.50\n}"
        let results = try await TestPool.with { try await $0.map(ddoc, documentJSON: [Array(raw.utf8)]) }
        #expect(results.first?.views[0] == [EmittedRow(key: "line\nbreak", value: try json("2.5"))])
    }

    @Test("many documents are split into batches over several processes and come back in order")
    func batching() async throws {
        let ddoc = try design(views: ["n": ("function(doc) { emit(doc.n, null); }", nil)])
        let docs: [JSONValue] = (0..<1000).map { ["_id": .string("d\($0)"), "n": .int($0)] }
        let results = try await TestPool.with(processes: 2, batch: 64) { try await $0.map(ddoc, documents: docs) }
        #expect(results.map { $0.views[0].first?.key.intValue } == (0..<1000).map { Optional($0) })
    }
}

@Suite("CommonJS modules in design documents")
struct RequireTests {
    @Test("map functions require code from views.lib; validate_doc_update from the whole document")
    func requireModules() async throws {
        let document: JSONValue = [
            "_id": "_design/lib", "_rev": "1-x",
            "views": [
                "lib": [
                    "math": "exports.double = function (x) { return 2 * x; }; exports.quad = function (x) { return require('./twice').twice(exports.double(x)); };",
                    "twice": "exports.twice = function (x) { return 2 * x; };",
                ],
                "doubled": ["map": "function(doc) { var m = require('views/lib/math'); emit(m.double(doc.n), m.quad(doc.n)); }"],
                "missing": ["map": "function(doc) { require('views/lib/nope'); emit(1, 1); }"],
            ],
            "rules": ["epoch": "exports.minimum = 3;"],
            "validate_doc_update": "function(newDoc) { if (newDoc.epoch < require('rules/epoch').minimum) { throw({forbidden: 'too low'}); } }",
        ]
        let ddoc = try DesignDocument(document)
        #expect(ddoc.views.map(\.name) == ["doubled", "missing"])
        try await TestPool.with { (pool: QueryServerPool) async throws in
            let results = try await pool.map(ddoc, documents: [["_id": "a", "n": 5]])
            #expect(results[0].views[0] == [EmittedRow(key: 10, value: 20)])
            #expect(results[0].views[1].isEmpty)
            #expect(results[0].failures.map(\.view) == ["missing"])
            let low = try await pool.validate(ddoc, newDocument: ["epoch": 2], oldDocument: nil, userContext: ["name": nil, "roles": []], securityObject: [:])
            #expect(low == .forbidden("too low"))
            let fine = try await pool.validate(ddoc, newDocument: ["epoch": 3], oldDocument: nil, userContext: ["name": nil, "roles": []], securityObject: [:])
            #expect(fine == .allowed)
        }
    }
}

@Suite("Concurrent callers")
struct ConcurrencyTests {
    @Test("many concurrent calls share a bounded number of processes")
    func concurrentCalls() async throws {
        let ddoc = try design(validate: "function(newDoc) { if (newDoc.n % 2) { throw({forbidden: 'odd ' + newDoc.n}); } }")
        try await TestPool.with(processes: 2) { (pool: QueryServerPool) async throws in
            let outcomes = try await withThrowingTaskGroup(of: (Int, ValidationOutcome).self) { group in
                for n in 0..<60 {
                    group.addTask {
                        (n, try await pool.validate(ddoc, newDocument: ["n": .int(n)], oldDocument: nil, userContext: [:], securityObject: [:]))
                    }
                }
                var all: [Int: ValidationOutcome] = [:]
                for try await (n, outcome) in group { all[n] = outcome }
                return all
            }
            #expect(outcomes.count == 60)
            #expect((0..<60).allSatisfy { outcomes[$0] == ($0 % 2 == 0 ? .allowed : .forbidden("odd \($0)")) })
            #expect(await pool.processesStarted <= 2)
        }
    }
}
