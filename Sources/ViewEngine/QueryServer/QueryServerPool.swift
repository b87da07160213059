import JSON
import Logging

/// Runs design-document JavaScript in `gasp query-server` child processes, the way CouchDB runs
/// `couchjs`: up to ``Configuration/maximumProcesses`` children started on demand, each call
/// bounded by ``Configuration/timeout`` (the child is killed and replaced when it runs over, or
/// when it dies), large map and validate batches split and spread over the children.
///
/// Built-in reduces (`_count`, `_sum`, `_stats`) run in Swift without a child. Only checking
/// children in and out goes through the actor; encoding requests and decoding answers run on the
/// callers' tasks, so parallel callers and parallel map batches decode in parallel.
public actor QueryServerPool {
    /// How the pool starts and bounds its children.
    public struct Configuration: Sendable {
        /// Path of the `gasp` executable (the store passes its own binary).
        public var executable: String
        /// Arguments that put the executable in query-server mode.
        public var arguments: [String]
        /// Most children running at once.
        public var maximumProcesses: Int
        /// Time limit of one call (one map batch, one reduce, one validation or validate batch).
        public var timeout: Duration
        /// Documents sent to a child per map request.
        public var mapBatchSize: Int
        /// Design documents a child keeps compiled before it is reset.
        public var maximumLoadedDesigns: Int
        /// Writes sent to a child per batched `validate_doc_update` request.
        public var validateBatchSize: Int

        /// A configuration with CouchDB-like defaults (5 s per call, as `os_process_timeout`).
        public init(
            executable: String,
            arguments: [String] = ["query-server"],
            maximumProcesses: Int = 2,
            timeout: Duration = .seconds(5),
            mapBatchSize: Int = 500,
            maximumLoadedDesigns: Int = 64,
            validateBatchSize: Int = 500
        ) {
            self.executable = executable
            self.arguments = arguments
            self.maximumProcesses = max(1, maximumProcesses)
            self.timeout = timeout
            self.mapBatchSize = max(1, mapBatchSize)
            self.maximumLoadedDesigns = max(1, maximumLoadedDesigns)
            self.validateBatchSize = max(1, validateBatchSize)
        }
    }

    /// The configuration in use.
    public nonisolated let configuration: Configuration
    private let logger: Logger
    private var idle: [QueryServerProcess] = []
    private var processCount = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var closed = false
    /// Children started since the pool was created (restarts included).
    public private(set) var processesStarted = 0

    /// A pool; no child starts until the first call.
    public init(configuration: Configuration, logger: Logger = Logger(label: "gasp.viewengine")) {
        self.configuration = configuration
        self.logger = logger
    }

    // MARK: Public calls

    /// Compiles every function of `design` (map, JavaScript reduce, `validate_doc_update`),
    /// throwing ``ViewEngineError/Code/compilationError`` with CouchDB's wording when one does not
    /// compile. Call it when a design document is saved.
    public nonisolated func compile(_ design: DesignDocument) async throws {
        guard design.hasFunctions else { return }
        try await withProcess { process in
            _ = try await self.call(process, QueryServerRequests.load(design, key: nil))
        }
    }

    /// Runs the map functions of `design` over `documents` (JSON values, each with `_id`).
    /// Result `i` belongs to document `i`.
    public nonisolated func map(_ design: DesignDocument, documents: [JSONValue]) async throws -> [DocumentMapResult] {
        try await map(design, documentJSON: documents.map { $0.serializedBytes() })
    }

    /// Runs the map functions of `design` over documents given as JSON text (as a store keeps
    /// them), avoiding a parse and re-serialisation. Result `i` belongs to document `i`.
    public nonisolated func map(_ design: DesignDocument, documentJSON: [[UInt8]]) async throws -> [DocumentMapResult] {
        guard !design.views.isEmpty, !documentJSON.isEmpty else {
            return Array(repeating: DocumentMapResult(views: design.views.map { _ in [] }, failures: []), count: documentJSON.count)
        }
        let batches = Self.slices(of: documentJSON, size: configuration.mapBatchSize)
        return try await inParallel(batches) { batch in try await self.mapBatch(design, batch) }
    }

    /// Reduces map rows (`rereduce = false`).
    public nonisolated func reduce(_ function: ReduceFunction, rows: [ReduceRow]) async throws -> JSONValue {
        switch function {
        case .count, .sum, .stats:
            return try BuiltinReduce.reduce(function, values: rows.map(\.value))
        case .javaScript(let source):
            return try await withProcess { process in
                try await self.call(process, QueryServerRequests.reduce(source: source, rows: rows))
            }
        }
    }

    /// Combines earlier reduce results (`rereduce = true`).
    public nonisolated func rereduce(_ function: ReduceFunction, values: [JSONValue]) async throws -> JSONValue {
        switch function {
        case .count, .sum, .stats:
            return try BuiltinReduce.rereduce(function, values: values)
        case .javaScript(let source):
            return try await withProcess { process in
                try await self.call(process, QueryServerRequests.rereduce(source: source, values: values))
            }
        }
    }

    /// Runs `validate_doc_update(newDoc, oldDoc, userCtx, secObj)` of `design`.
    /// `userContext` is `{"db": ..., "name": ..., "roles": [...]}`; `oldDocument` is `nil` for a new document.
    public nonisolated func validate(
        _ design: DesignDocument, newDocument: JSONValue, oldDocument: JSONValue?,
        userContext: JSONValue, securityObject: JSONValue
    ) async throws -> ValidationOutcome {
        guard design.validateDocUpdate != nil else { return .allowed }
        return try await withProcess { process in
            let key = try await self.ensureLoaded(design, .validate, in: process)
            let result = try await self.call(process, QueryServerRequests.validate(
                key: key, newDocument: newDocument, oldDocument: oldDocument,
                userContext: userContext, securityObject: securityObject))
            return QueryServerRequests.validationOutcome(result)
        }
    }

    /// Runs `validate_doc_update` of `design` over many writes at once: one request per
    /// ``Configuration/validateBatchSize`` writes, the requests spread over the children like map
    /// batches. Outcome `i` belongs to `batch[i]` and equals what the single-write
    /// ``validate(_:newDocument:oldDocument:userContext:securityObject:)`` answers for it.
    /// A failure of the query server itself (timeout, crash) throws for the whole batch.
    public nonisolated func validate(
        _ design: DesignDocument, batch: [ValidationPair], userContext: JSONValue, securityObject: JSONValue
    ) async throws -> [ValidationOutcome] {
        guard design.validateDocUpdate != nil, !batch.isEmpty else {
            return Array(repeating: .allowed, count: batch.count)
        }
        let slices = Self.slices(of: batch, size: configuration.validateBatchSize)
        return try await inParallel(slices) { slice in
            try await self.withProcess { process in
                let key = try await self.ensureLoaded(design, .validate, in: process)
                let result = try await self.call(process, QueryServerRequests.validateBatch(
                    key: key, documents: slice, userContext: userContext, securityObject: securityObject))
                return try QueryServerRequests.validationOutcomes(result, count: slice.count)
            }
        }
    }

    /// Stops every child. Calls made afterwards fail.
    public func shutdown() async {
        closed = true
        let processes = idle
        idle.removeAll()
        for process in processes { await process.shutdown() }
        for waiter in waiters { waiter.resume() }
        waiters.removeAll()
    }

    /// Process ids of the idle children (for diagnostics and tests).
    public var idleProcessIDs: [Int32] { idle.map(\.pid) }

    // MARK: Internals

    private nonisolated func mapBatch(_ design: DesignDocument, _ documents: ArraySlice<[UInt8]>) async throws -> [DocumentMapResult] {
        try await withProcess { process in
            let key = try await self.ensureLoaded(design, .maps, in: process)
            let result = try await self.call(process, QueryServerRequests.map(key: key, documents: documents))
            let decoded = try QueryServerRequests.mapResults(result, design: design, count: documents.count)
            for (offset, doc) in decoded.enumerated() where !doc.failures.isEmpty {
                let id = Self.documentID(documents[documents.startIndex + offset])
                for failure in doc.failures {
                    self.logger.info("map function raised exception", metadata: [
                        "design": "\(design.id)", "view": "\(failure.view)", "doc": "\(id)", "error": "\(failure.message)",
                    ])
                }
            }
            return decoded
        }
    }

    /// `items` cut into consecutive slices of at most `size`.
    private static func slices<Element>(of items: [Element], size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: items.count, by: size).map { items[$0..<min($0 + size, items.count)] }
    }

    /// Runs `work` over `batches`, at most ``Configuration/maximumProcesses`` at once, and joins
    /// the results in batch order.
    private nonisolated func inParallel<Input: Sendable, Output: Sendable>(
        _ batches: [Input], _ work: @escaping @Sendable (Input) async throws -> [Output]
    ) async throws -> [Output] {
        if batches.count == 1 { return try await work(batches[0]) }
        return try await withThrowingTaskGroup(of: (Int, [Output]).self) { group in
            var next = 0
            var results = [[Output]](repeating: [], count: batches.count)
            let parallel = min(configuration.maximumProcesses, batches.count)
            while next < parallel {
                let index = next
                group.addTask { (index, try await work(batches[index])) }
                next += 1
            }
            while let (index, batch) = try await group.next() {
                results[index] = batch
                if next < batches.count {
                    let index = next
                    group.addTask { (index, try await work(batches[index])) }
                    next += 1
                }
            }
            return results.flatMap { $0 }
        }
    }

    private static func documentID(_ json: [UInt8]) -> String {
        (try? JSONParser.parse(json))?["_id"]?.stringValue ?? "?"
    }

    /// Compiles the maps or the validate function of `design` in `process` unless it has them;
    /// returns the key they are kept under there.
    private nonisolated func ensureLoaded(
        _ design: DesignDocument, _ part: QueryServerRequests.Part, in process: QueryServerProcess
    ) async throws -> String {
        let key = "\(design.cacheKey)/\(part.rawValue)"
        if await process.loadedKeys.contains(key) { return key }
        if await process.loadedKeys.count >= configuration.maximumLoadedDesigns {
            _ = try await call(process, QueryServerRequests.reset)
            await process.clearLoaded()
        }
        _ = try await call(process, QueryServerRequests.load(design, key: key, part: part))
        await process.markLoaded(key)
        return key
    }

    /// One request to `process`, bounded by the time limit: on timeout the child is killed.
    private nonisolated func call(_ process: QueryServerProcess, _ request: [UInt8]) async throws -> JSONValue {
        let timeout = configuration.timeout
        let line: [UInt8] = try await withThrowingTaskGroup(of: [UInt8]?.self) { group in
            group.addTask { try await process.exchange(request) }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = try await group.next() ?? nil
            if let first {
                group.cancelAll()
                return first
            }
            process.kill()
            group.cancelAll()
            _ = try? await group.next()
            if Task.isCancelled { throw CancellationError() }
            throw ViewEngineError(.timeout, "query server call exceeded \(timeout); process \(process.pid) killed")
        }
        let answer = try QueryServerRequests.decode(line)
        for message in answer.log {
            logger.info("query server log", metadata: ["message": "\(message)"])
        }
        return answer.result
    }

    /// Checks a child out for `body`, returning it afterwards. A child that failed is replaced;
    /// when it died (rather than timed out) the call is tried once more on a fresh child, since
    /// every request is a pure function of its input and a crashed child may have died earlier.
    private nonisolated func withProcess<T: Sendable>(_ body: (QueryServerProcess) async throws -> T) async throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            let process = try await checkOut()
            do {
                let value = try await body(process)
                await checkIn(process)
                return value
            } catch let error as ViewEngineError where error.code != .processFailed && error.code != .timeout {
                await checkIn(process)
                throw error
            } catch let error as ViewEngineError where error.code == .timeout {
                logger.warning("query server call timed out; process killed", metadata: ["pid": "\(process.pid)"])
                await discard(process)
                throw error
            } catch {
                logger.warning("query server failed; restarting", metadata: ["pid": "\(process.pid)", "error": "\(error)"])
                await discard(process)
                if attempt >= 2 || error is CancellationError || Task.isCancelled { throw error }
            }
        }
    }

    private func checkOut() async throws -> QueryServerProcess {
        while true {
            if closed { throw ViewEngineError(.processFailed, "query server pool is shut down") }
            if let process = idle.popLast() { return process }
            if processCount < configuration.maximumProcesses {
                processCount += 1
                do {
                    let process = try QueryServerProcess(executable: configuration.executable, arguments: configuration.arguments)
                    processesStarted += 1
                    return process
                } catch {
                    processCount -= 1
                    throw error
                }
            }
            await withCheckedContinuation { waiters.append($0) }
        }
    }

    private func checkIn(_ process: QueryServerProcess) async {
        if closed {
            processCount -= 1
            await process.shutdown()
            return
        }
        idle.append(process)
        wakeOne()
    }

    private func discard(_ process: QueryServerProcess) async {
        await process.shutdown()
        processCount -= 1
        wakeOne()
    }

    private func wakeOne() {
        if !waiters.isEmpty { waiters.removeFirst().resume() }
    }
}

extension QueryServerProcess {
    func markLoaded(_ key: String) { loadedKeys.insert(key) }
    func clearLoaded() { loadedKeys.removeAll() }
}
