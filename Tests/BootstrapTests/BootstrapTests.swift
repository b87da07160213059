import Bootstrap
import CouchDB
import Foundation
import JSON
import Testing
import TestSupport

/// A scratch `Views/` directory for one test.
struct ScratchViews: Sendable {
    let root: URL

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("gasp-views-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    func write(_ path: String, _ text: String) throws {
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    func remove(_ path: String) throws {
        try FileManager.default.removeItem(at: root.appendingPathComponent(path))
    }

    /// Two design documents: `one` with a map and a reduce view, `rules` with a validate function.
    func writeSample() throws {
        try write("one/views/by_type/map.js", "function (doc) {\n  // Documents by type.\n  emit(doc.type, null);\n}\n")
        try write("one/views/count/map.js", "function (doc) { emit(doc.type, 1); }")
        try write("one/views/count/reduce.js", "_count\n")
        try write("rules/validate_doc_update.js", "function (newDoc, oldDoc, userCtx, secObj) { }")
    }

    func cleanUp() { try? FileManager.default.removeItem(at: root) }
}

@Suite("gasp bootstrap")
struct BootstrapTests {
    @Test("the repository's own Views/ loads, with a validate function and reduce views")
    func repositoryViews() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Views").standardized
        let documents = try DesignDocumentSource.load(from: repository)
        let names = documents.map(\.name)
        #expect(names == ["data", "gasp", "passes", "queues", "runs", "sites"])
        #expect(documents.first { $0.name == "gasp" }?.validateDocUpdate?.contains("lower than current epoch") == true)
        let passes = try #require(documents.first { $0.name == "passes" })
        #expect(passes.views.first { $0.name == "by_status_module" }?.view.reduce == "_count")
    }

    @Test("a stray file in Views/ is an error naming it")
    func strayFile() throws {
        let views = try ScratchViews()
        defer { views.cleanUp() }
        try views.writeSample()
        try views.write("one/views/by_type/mapp.js", "function (doc) {}")
        #expect {
            try DesignDocumentSource.load(from: views.root)
        } throws: { error in
            (error as? BootstrapError)?.code == .unexpectedFile && "\(error)".contains("by_type/mapp.js")
        }
    }

    @Test("a view folder without map.js is an error naming it")
    func missingMap() throws {
        let views = try ScratchViews()
        defer { views.cleanUp() }
        try views.write("one/views/empty/reduce.js", "_count")
        #expect {
            try DesignDocumentSource.load(from: views.root)
        } throws: { error in
            (error as? BootstrapError)?.code == .missingMap && "\(error)".contains("empty/map.js")
        }
    }

    /// Runs `body` with the sample Views/, a client, and the name of a database deleted afterwards.
    static func withScratch(_ body: @Sendable (ScratchViews, CouchClient, String) async throws -> Void) async throws {
        let views = try ScratchViews()
        defer { views.cleanUp() }
        try views.writeSample()
        try await withTestCouch { couch in
            try await withClient(couch) { client in
                let name = couch.uniqueDatabaseName("gasp_bootstrap")
                do {
                    try await body(views, client, name)
                } catch {
                    try? await client.database(name).delete()
                    throw error
                }
                try? await client.database(name).delete()
            }
        }
    }

    /// Plans and applies `views` (with `prune`/`security` as given) to database `name`.
    @discardableResult
    static func bootstrap(_ views: ScratchViews, _ client: CouchClient, _ name: String, prune: Bool = false, security: SecurityObject? = nil) async throws -> BootstrapPlan {
        let bootstrapper = Bootstrapper(documents: try DesignDocumentSource.load(from: views.root), prune: prune, security: security)
        let plan = try await bootstrapper.plan(client: client, databases: [name])
        try await bootstrapper.apply(plan, client: client)
        return plan
    }

    @Test("install, then a second run changes nothing; a dry plan writes nothing")
    func idempotent() async throws {
        try await Self.withScratch { views, client, name in
            let bootstrapper = Bootstrapper(documents: try DesignDocumentSource.load(from: views.root))
            let first = try await bootstrapper.plan(client: client, databases: [name])
            #expect(first.databases[0].steps == [.createDatabase, .install(design: "one"), .install(design: "rules")])
            #expect(try await client.database(name).exists() == false, "planning must not change anything")

            try await bootstrapper.apply(first, client: client)
            let installed = try await client.database(name).get("_design/one")
            #expect(installed["views"]?["count"]?["reduce"] == "_count")
            #expect(installed["gasp_managed"] == true)

            let second = try await bootstrapper.plan(client: client, databases: [name])
            #expect(second.isEmpty)
            #expect(second.databases[0].unchanged == ["one", "rules"])
        }
    }

    @Test("a changed view updates only its design document, keeping the other's revision")
    func changedView() async throws {
        try await Self.withScratch { views, client, name in
            let database = client.database(name)
            try await Self.bootstrap(views, client, name)
            let rulesRev = try await database.get("_design/rules")["_rev"]

            try views.write("one/views/by_type/map.js", "function (doc) { emit([doc.type, doc._id], null); }")
            let plan = try await Self.bootstrap(views, client, name)
            #expect(plan.databases[0].steps.count == 1)
            guard case .update(let design, _, let changes)? = plan.databases[0].steps.first else {
                Issue.record("expected an update, got \(plan.databases[0].steps)")
                return
            }
            #expect(design == "one")
            #expect(changes == ["view by_type changed"])
            #expect(try await database.get("_design/rules")["_rev"] == rulesRev)
            #expect(try await database.get("_design/one")["views"]?["by_type"]?["map"]?.stringValue?.contains("doc._id") == true)
        }
    }

    @Test("prune removes gasp design documents and views no longer in Views/, and nothing else")
    func prune() async throws {
        try await Self.withScratch { views, client, name in
            let database = client.database(name)
            try await Self.bootstrap(views, client, name)
            // Someone else's design document, which prune must leave alone.
            _ = try await database.put(["_id": "_design/theirs", "views": ["v": ["map": "function (doc) { emit(null); }"]]])

            try views.remove("rules")
            try views.remove("one/views/count")
            let gentle = try await Bootstrapper(documents: try DesignDocumentSource.load(from: views.root))
                .plan(client: client, databases: [name])
            #expect(gentle.isEmpty, "without --prune, removed views and design documents stay")

            let steps = try await Self.bootstrap(views, client, name, prune: true).databases[0].steps
            #expect(steps.count == 2)
            #expect(steps.contains { if case .update("one", _, ["view count removed"]) = $0 { return true } else { return false } })
            #expect(steps.contains { if case .remove("rules", _) = $0 { return true } else { return false } })
            #expect(try await database.getIfExists("_design/rules") == nil)
            #expect(try await database.getIfExists("_design/theirs") != nil)
            #expect(try await database.get("_design/one")["views"]?["count"] == nil)
            #expect(try await Self.bootstrap(views, client, name, prune: true).isEmpty)
        }
    }

    @Test("the _security object is set when it differs, and not again")
    func security() async throws {
        try await Self.withScratch { views, client, name in
            let security = SecurityObject(admins: .init(roles: ["gasp-admins"]), members: .init(roles: ["gasp-workers"]))
            let plan = try await Self.bootstrap(views, client, name, security: security)
            #expect(plan.databases[0].steps.last == .setSecurity)
            #expect(try await client.database(name).security() == security)
            #expect(try await Self.bootstrap(views, client, name, security: security).isEmpty)
        }
    }
}

@Suite("gasp bootstrap: JavaScript is compiled before anything changes")
struct BootstrapJavaScriptTests {
    static func check(_ views: ScratchViews) async throws {
        try await JavaScriptCheck(executable: try gaspExecutableURL().path)
            .check(try DesignDocumentSource.load(from: views.root))
    }

    @Test("the repository's own Views/ compiles")
    func repositoryCompiles() async throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Views").standardized
        try await JavaScriptCheck(executable: try gaspExecutableURL().path).check(try DesignDocumentSource.load(from: repository))
    }

    @Test("a map with a syntax error is named by its file", arguments: [
        ("one/views/by_type/map.js", "function (doc) { emit(doc.type, }"),
        ("one/views/count/reduce.js", "function (keys, values, rereduce) { return sum(values) "),
        ("one/views/count/reduce.js", "_nosuch"),
        ("rules/validate_doc_update.js", "function (newDoc) { if (newDoc.x) { throw({forbidden: 'x'}) }"),
    ])
    func brokenFile(path: String, text: String) async throws {
        let views = try ScratchViews()
        defer { views.cleanUp() }
        try views.writeSample()
        try views.write(path, text)
        await #expect {
            try await Self.check(views)
        } throws: { error in
            guard let error = error as? BootstrapError else { return false }
            return error.code == .invalidJavaScript && error.message.hasPrefix(views.root.appendingPathComponent(path).path + ": ")
        }
    }

    @Test("a sound sample passes the check")
    func soundSample() async throws {
        let views = try ScratchViews()
        defer { views.cleanUp() }
        try views.writeSample()
        try await Self.check(views)
    }
}
