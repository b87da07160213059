import JSON
import Testing
@testable import ViewEngine

@Suite("validate_doc_update")
struct ValidateTests {
    static let contextFunction = """
        function(newDoc, oldDoc, userCtx, secObj) { if (newDoc.probe) {  throw({forbidden: 'user=' + userCtx.name + ' roles=' + userCtx.roles.join(',') + ' db=' + userCtx.db +   ' old=' + (oldDoc ? oldDoc.v : 'none') + ' members=' + JSON.stringify(secObj.members || null)}); } if (newDoc.owner && newDoc.owner !== userCtx.name) {  throw({unauthorized: 'only ' + newDoc.owner + ' may write this document'}); } if (newDoc.kaboom) { throw('a plain string'); } if (newDoc.crash) { null.boom(); }}
        """
    static let fence = """
        function(newDoc, oldDoc, userCtx, secObj) { if (newDoc._deleted) { return; } if (typeof newDoc.epoch !== 'number') { throw({forbidden: 'epoch must be a number'}); } if (oldDoc && newDoc.epoch < oldDoc.epoch) {  throw({forbidden: 'epoch ' + newDoc.epoch + ' is lower than current epoch ' + oldDoc.epoch}); }}
        """
    let userContext: JSONValue = ["db": "conf_v_vdu2", "name": "admin", "roles": ["_admin"]]
    let security: JSONValue = ["admins": ["names": [], "roles": []], "members": ["names": ["conf_nobody"], "roles": []]]

    @Test("userCtx and secObj reach the function; forbidden, unauthorized, strings and TypeErrors (vdu_userctx)")
    func outcomes() async throws {
        let ddoc = try design("_design/ctx", validate: Self.contextFunction)
        try await TestPool.with { (pool: QueryServerPool) async throws in
            func check(_ doc: JSONValue, old: JSONValue? = nil) async throws -> ValidationOutcome {
                try await pool.validate(ddoc, newDocument: doc, oldDocument: old, userContext: userContext, securityObject: security)
            }
            #expect(try await check(["_id": "d", "v": "first"]) == .allowed)
            let probe = try await check(["_id": "d", "v": "second", "probe": true], old: ["_id": "d", "v": "first"])
            #expect(probe == .forbidden(#"user=admin roles=_admin db=conf_v_vdu2 old=first members={"names":["conf_nobody"],"roles":[]}"#))
            #expect(probe.httpStatus == 403)
            let fresh = try await check(["_id": "e", "v": "new", "probe": true])
            #expect(fresh == .forbidden(#"user=admin roles=_admin db=conf_v_vdu2 old=none members={"names":["conf_nobody"],"roles":[]}"#))
            #expect(try await check(["_id": "f", "owner": "admin", "v": 1]) == .allowed)
            let other = try await check(["_id": "g", "owner": "somebody-else", "v": 1])
            #expect(other == .unauthorized("only somebody-else may write this document"))
            #expect(other.httpStatus == 401)
            let string = try await check(["_id": "j", "kaboom": true])
            #expect(string == .failed(error: "unknown_error", reason: "a plain string"))
            #expect(string.errorBody == ["error": "unknown_error", "reason": "a plain string"])
            let crash = try await check(["_id": "k", "crash": true])
            guard case .failed(let error, _) = crash else {
                Issue.record("expected a failure, got \(crash)")
                return
            }
            #expect(error == "TypeError")
            #expect(crash.httpStatus == 500)
        }
    }

    @Test("the epoch fencing rule (vdu_epoch)")
    func fencing() async throws {
        let ddoc = try design("_design/fence", validate: Self.fence)
        let stored: JSONValue = ["_id": "lease:processing", "holder": "site-b", "epoch": 2]
        try await TestPool.with { (pool: QueryServerPool) async throws in
            func check(_ doc: JSONValue, old: JSONValue?) async throws -> ValidationOutcome {
                try await pool.validate(ddoc, newDocument: doc, oldDocument: old, userContext: userContext, securityObject: security)
            }
            #expect(try await check(["holder": "site-a", "epoch": 1], old: stored) == .forbidden("epoch 1 is lower than current epoch 2"))
            #expect(try await check(["holder": "site-b", "epoch": 2, "renewed": true], old: stored) == .allowed)
            #expect(try await check(["holder": "site-c", "epoch": "3"], old: stored) == .forbidden("epoch must be a number"))
            #expect(try await check(["holder": "site-c"], old: stored) == .forbidden("epoch must be a number"))
            #expect(try await check(["holder": "site-c", "epoch": try json("1.5")], old: stored) == .forbidden("epoch 1.5 is lower than current epoch 2"))
            #expect(try await check(["epoch": 0, "holder": "x"], old: nil) == .allowed)
            #expect(try await check(["_deleted": true], old: stored) == .allowed)
        }
    }

    @Test("a view that does not compile never blocks validation, and the reverse")
    func partsCompileSeparately() async throws {
        let ddoc = try design(views: ["broken": ("function(doc) { emit(", nil)], validate: Self.fence)
        try await TestPool.with { (pool: QueryServerPool) async throws in
            let outcome = try await pool.validate(ddoc, newDocument: ["epoch": 1], oldDocument: ["epoch": 2], userContext: userContext, securityObject: security)
            #expect(outcome == .forbidden("epoch 1 is lower than current epoch 2"))
            let error = await #expect(throws: ViewEngineError.self) { try await pool.map(ddoc, documents: [["_id": "a"]]) }
            #expect(error?.code == .compilationError)
            let brokenValidate = try design(views: ["fine": ("function(doc) { emit(doc._id, 1); }", nil)], validate: "function(newDoc) {")
            let rows = try await pool.map(brokenValidate, documents: [["_id": "a"]])
            #expect(rows[0].views[0] == [EmittedRow(key: "a", value: 1)])
        }
    }

    @Test("a batch gives each write the single call's outcome, in order, across split requests")
    func batchMatchesSingle() async throws {
        let ddoc = try design("_design/ctx", validate: Self.contextFunction)
        let kinds: [(JSONValue, JSONValue?)] = [
            (["v": "first"], nil),
            (["v": "second", "probe": true], ["_id": "d", "v": "first"]),
            (["v": "new", "probe": true], nil),
            (["owner": "admin", "v": 1], nil),
            (["owner": "somebody-else", "v": 1], nil),
            (["kaboom": true], nil),
            (["crash": true], ["_id": "k", "v": 0]),
        ]
        var documents: [JSONValue] = []
        for i in 0..<47 {
            var document = try #require(kinds[i % kinds.count].0.objectValue)
            document["_id"] = .string("doc\(i)")
            documents.append(.object(document))
        }
        let batch = documents.indices.map { ValidationPair(newDocument: documents[$0], oldDocument: kinds[$0 % kinds.count].1) }
        // Batches of 10 over 2 children: five requests, answers joined in order.
        let pool = QueryServerPool(configuration: .init(executable: TestPool.executable, validateBatchSize: 10))
        do {
            let batched = try await pool.validate(ddoc, batch: batch, userContext: userContext, securityObject: security)
            var single: [ValidationOutcome] = []
            for (document, pair) in zip(documents, batch) {
                single.append(try await pool.validate(
                    ddoc, newDocument: document, oldDocument: pair.oldDocument, userContext: userContext, securityObject: security))
            }
            #expect(batched.count == batch.count)
            #expect(batched == single)
            #expect(Set(batched.map(\.httpStatus)) == [nil, 401, 403, 500])
            #expect(batched[1] == .forbidden(#"user=admin roles=_admin db=conf_v_vdu2 old=first members={"names":["conf_nobody"],"roles":[]}"#))
            #expect(batched[5] == .failed(error: "unknown_error", reason: "a plain string"))
            #expect(try await pool.validate(ddoc, batch: [], userContext: userContext, securityObject: security).isEmpty)
            // JSON text is sent as it is, a raw newline between tokens included.
            let text = ValidationPair(newDocumentJSON: Array("{\n\"_id\": \"raw\",\n\"owner\": \"x\"}".utf8), oldDocument: nil)
            let fromText = try await pool.validate(ddoc, batch: [text, batch[0]], userContext: userContext, securityObject: security)
            #expect(fromText == [.unauthorized("only x may write this document"), .allowed])
        } catch {
            await pool.shutdown()
            throw error
        }
        await pool.shutdown()
    }

    @Test("one write's function cannot change userCtx or secObj for the next in a batch")
    func batchIsolation() async throws {
        let ddoc = try design(validate: """
            function(newDoc, oldDoc, userCtx, secObj) { if (userCtx.roles.length !== 1 || secObj.touched) { throw({forbidden: 'saw a change'}); } userCtx.roles.push('extra'); secObj.touched = true; }
            """)
        try await TestPool.with { (pool: QueryServerPool) async throws in
            let batch = (0..<5).map { ValidationPair(newDocument: ["_id": .string("d\($0)")], oldDocument: nil) }
            let outcomes = try await pool.validate(ddoc, batch: batch, userContext: userContext, securityObject: security)
            #expect(outcomes == Array(repeating: .allowed, count: 5))
        }
    }

    @Test("a design document without validate_doc_update allows everything without a process")
    func noFunction() async throws {
        let ddoc = try design(views: ["v": ("function(doc) { emit(1, 1); }", nil)])
        try await TestPool.with { (pool: QueryServerPool) async throws in
            #expect(try await pool.validate(ddoc, newDocument: ["x": 1], oldDocument: nil, userContext: userContext, securityObject: security) == .allowed)
            let batch = [ValidationPair(newDocument: ["x": 1], oldDocument: nil), ValidationPair(newDocument: ["x": 2], oldDocument: ["x": 1])]
            #expect(try await pool.validate(ddoc, batch: batch, userContext: userContext, securityObject: security) == [.allowed, .allowed])
            #expect(await pool.processesStarted == 0)
        }
    }
}

@Suite("Compilation and design-document shape")
struct CompileTests {
    @Test("a map syntax error is a compilation_error naming the view (view_errors)")
    func syntaxErrors() async throws {
        try await TestPool.with(processes: 1) { (pool: QueryServerPool) async throws in
            for source in ["function(doc) { emit(doc._id, null) ", "not javascript at all", "42"] {
                let ddoc = try design("_design/broken", views: ["v": (source, nil)])
                let error = await #expect(throws: ViewEngineError.self) { try await pool.compile(ddoc) }
                #expect(error?.code == .compilationError)
                #expect(error?.httpStatus == 400)
                #expect(error?.reason.hasPrefix("Compilation of the map function in the 'v' view failed: ") == true)
                #expect(error?.reason.hasSuffix("(\(source))") == true)
            }
            let badReduce = try design(views: ["v": ("function(doc) { emit(1, 1); }", "function(k, v) { return ")])
            let reduceError = await #expect(throws: ViewEngineError.self) { try await pool.compile(badReduce) }
            #expect(reduceError?.code == .compilationError)
            let badValidate = try design(validate: "function(newDoc) {")
            let validateError = await #expect(throws: ViewEngineError.self) { try await pool.compile(badValidate) }
            #expect(validateError?.code == .compilationError)
            // Sources CouchDB accepts: named functions, trailing semicolons and comments.
            let fine = try design(views: [
                "named": ("function byName(doc) { emit(doc._id, null); };\n", nil),
                "comment": ("// leading\nfunction(doc) { emit(1, 2); } // trailing", nil),
            ])
            try await pool.compile(fine)
            let rows = try await pool.map(fine, documents: [["_id": "x"]])
            #expect(rows[0].views.map(\.count) == [1, 1])
            #expect(await pool.processesStarted == 1)
        }
    }

    @Test("an unknown built-in reduce is invalid_design_doc with CouchDB's reason")
    func unknownBuiltin() throws {
        let error = #expect(throws: ViewEngineError.self) {
            try design(views: ["v": ("function(doc) { emit(doc._id, 1); }", "_nosuch")])
        }
        #expect(error?.code == .invalidDesignDocument)
        #expect(error?.reason == "`_nosuch` is not a supported reduce function.")
        #expect(try ReduceFunction(source: " _sum\n") == .sum)
    }

    @Test("the cache key changes with the functions and the revision")
    func cacheKey() throws {
        let a = try design(views: ["v": ("function(doc) { emit(1, 1); }", nil)])
        let b = try design(views: ["v": ("function(doc) { emit(2, 1); }", nil)])
        #expect(a.cacheKey != b.cacheKey)
        #expect(a.cacheKey == (try design(views: ["v": ("function(doc) { emit(1, 1); }", nil)])).cacheKey)
        #expect(a.viewIndex(named: "v") == 0)
    }
}
