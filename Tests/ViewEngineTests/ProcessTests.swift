import Foundation
import JSON
import Testing
@testable import ViewEngine

@Suite("Query-server processes: time limit, crashes, throughput")
struct ProcessTests {
    // The timeout error proves the limit fired; the suite-level time limit catches a call that
    // never returns. No wall-clock bound here: a loaded 2-core machine stretches every figure.
    @Test("a runaway function is killed at the time limit and the next call succeeds on a new process", .timeLimit(.minutes(1)))
    func runaway() async throws {
        let runaway = try design("_design/loop", views: ["v": ("function(doc) { if (doc.loop) { while (true) {} } emit(doc._id, 1); }", nil)])
        try await TestPool.with(processes: 1, timeout: .seconds(2)) { (pool: QueryServerPool) async throws in
            let error = await #expect(throws: ViewEngineError.self) {
                try await pool.map(runaway, documents: [["_id": "x", "loop": true]])
            }
            #expect(error?.code == .timeout)
            let rows = try await pool.map(runaway, documents: [["_id": "y"]])
            #expect(rows[0].views[0] == [EmittedRow(key: "y", value: 1)])
            #expect(await pool.processesStarted == 2)
        }
    }

    @Test("a crashed process is replaced and the call that met it succeeds")
    func crashed() async throws {
        let ddoc = try design(views: ["v": ("function(doc) { emit(doc._id, 1); }", nil)])
        try await TestPool.with(processes: 1) { (pool: QueryServerPool) async throws in
            _ = try await pool.map(ddoc, documents: [["_id": "a"]])
            let pids = await pool.idleProcessIDs
            #expect(pids.count == 1)
            for pid in pids { kill(pid, SIGKILL) }
            // Wait until the child is really gone (poll with a deadline).
            let deadline = ContinuousClock.now + .seconds(5)
            while ContinuousClock.now < deadline, kill(pids[0], 0) == 0 {
                var status: Int32 = 0
                if waitpid(pids[0], &status, WNOHANG) == pids[0] { break }
                try await Task.sleep(for: .milliseconds(10))
            }
            let rows = try await pool.map(ddoc, documents: [["_id": "b"]])
            #expect(rows[0].views[0] == [EmittedRow(key: "b", value: 1)])
            #expect(await pool.processesStarted == 2)
        }
    }

    @Test("a pool dropped without shutdown leaves no child behind")
    func droppedPool() async throws {
        let ddoc = try design(views: ["v": ("function(doc) { emit(doc._id, 1); }", nil)])
        var pool: QueryServerPool? = TestPool.make(processes: 1)
        _ = try await pool?.map(ddoc, documents: [["_id": "a"]])
        let pid = try #require(await pool?.idleProcessIDs.first)
        #expect(kill(pid, 0) == 0)
        pool = nil
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline, kill(pid, 0) == 0 {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(kill(pid, 0) != 0)
    }

    @Test("a missing executable is reported as a process failure")
    func missingExecutable() async throws {
        let pool = QueryServerPool(configuration: .init(executable: "/nonexistent/gasp"))
        let ddoc = try design(views: ["v": ("function(doc) { emit(1, 1); }", nil)])
        let error = await #expect(throws: ViewEngineError.self) { try await pool.map(ddoc, documents: [["_id": "a"]]) }
        #expect(error?.code == .processFailed)
        await pool.shutdown()
    }

    @Test("index-build throughput (printed, not asserted)")
    func throughput() async throws {
        let ddoc = try design(views: ["by_type": ("function(doc) { if (doc.type === 'pass') { emit([doc.module, doc.run], doc.status); } }", nil)])
        let count = 20_000
        let docs: [[UInt8]] = (0..<count).map { i in
            Array(#"{"_id":"pass:\#(i)","_rev":"1-0123456789abcdef0123456789abcdef","type":"pass","module":"m\#(i % 17)","run":\#(i),"status":"waiting","attempts":0,"history":[{"t":"2026-01-01T00:00:00Z","to":"waiting"}]}"#.utf8)
        }
        try await TestPool.with(processes: 2, batch: 500) { pool in
            _ = try await pool.map(ddoc, documentJSON: Array(docs.prefix(10)))  // start the processes
            let clock = ContinuousClock()
            let elapsed = try await clock.measure {
                let results = try await pool.map(ddoc, documentJSON: docs)
                #expect(results.count == count)
                #expect(results.allSatisfy { $0.views[0].count == 1 })
            }
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            print("ViewEngine throughput: \(count) documents mapped in \(String(format: "%.3f", seconds)) s = \(Int(Double(count) / seconds)) docs/s (2 processes, batches of 500, debug build)")
        }
    }
}
