import Backends
import CouchDB
import Enqueue
import Foundation
import JSON
import Lease
import Processing
import Testing
import TestSupport

/// Each pass runs once and nothing is stranded, counted from what physically ran: every batch
/// job appends `start aN` and `end aN` to a ledger file of its (run, subrun), so a test counts
/// executions, not the names the bookkeeping recorded.
@Suite("Fleet: each pass executes once, whatever happens to the workers", .serialized, .timeLimit(.minutes(3)))
struct RunsOnceTests {
    static let timing = ["heartbeat_seconds: 0.5", "cycle_seconds: 0.3", "capacity: 25", "backend: local"]
    static let hold = ["lease: {scope: processing, seconds: 3, mode: hold}"] + timing

    @Test("a holder paused between its claims and its submissions submits nothing when it wakes; its passes run once elsewhere")
    func pausedBetweenClaimAndSubmit() async throws {
        try await withLedgerFleet(sleep: "0") { f in
            let a = try f.worker("site-a", Self.hold + ["dead_after_seconds: 6"], environment: ["GASP_FAILPOINTS": "after-claim=stop-once"])
            try a.start()
            let first = try await f.fleet.waitForHolder(within: 30)
            #expect(first.holder?.site == "site-a")
            for site in ["site-b", "site-c"] { try f.worker(site, Self.hold + ["dead_after_seconds: 6"]).start() }
            for site in ["site-b", "site-c"] { #expect(await f.fleet.waitForState(.standby, of: site, within: 20)) }
            try await f.enqueue(runs: Array(100..<104))

            // site-a writes its claims and stops itself there, before submitting anything.
            #expect(await eventually(within: 20) { a.isStopped }, "site-a never reached its claims:\n\(a.output.suffix(3000))")
            let claimed = try await f.passes()
            #expect(claimed.allSatisfy { $0.status == .submitted && $0.site == "site-a" && $0.subjobs.allSatisfy { $0.backendID == nil } })

            // Another site takes the lease; after site-a's dead_after the passes are reset and run there.
            #expect(try await f.waitForAllCompleted(within: 90))
            a.signal(SIGCONT)
            #expect(await eventually(within: 15) { !a.lines("lease lost").isEmpty }, "\(a.output.suffix(3000))")
            // Its site round cleans up the abandoned claims, which it can only do after its
            // holder's cycle has ended: any late submission would have happened by then.
            #expect(await eventually(within: 30) { (try? await f.passes().allSatisfy { $0.abandoned.isEmpty }) == true })

            #expect(try f.submissions(of: "site-a").isEmpty, "the paused holder submitted after it woke")
            try f.expectEachExecutedOnce(runs: Array(100..<104))
            for pass in try await f.passes() {
                #expect(pass.history.contains { ($0.reason ?? "").hasPrefix("reset: site site-a has not heartbeat") })
                #expect(pass.attempts == 2)
            }
        }
    }

    @Test("a holder killed and restarted at once follows its own passes to the end, whoever holds the lease")
    func quickRestartFollowsOwnPasses() async throws {
        try await withLedgerFleet(sleep: "3") { f in
            for site in ["site-a", "site-b"] { try f.worker(site, Self.hold).start() }
            let first = try await f.fleet.waitForHolder(within: 30)
            let holder = f.fleet.worker(first.holder!.site)
            try await f.enqueue(runs: Array(200..<204))
            #expect(await eventually(within: 30) {
                (try? await f.passes().allSatisfy { $0.site == holder.site && $0.subjobs.allSatisfy { $0.backendID != nil } }) == true
            })
            // What systemd does: the process dies and is started again within a second.
            holder.signal(SIGKILL)
            _ = try await holder.waitForExit(timeout: 10)
            try holder.start()

            // Whoever holds the lease now, the batch jobs at the holder's site finish and their
            // passes complete: none stays submitted or running behind a healthy status.
            #expect(try await f.waitForAllCompleted(within: 60))
            try f.expectEachExecutedOnce(runs: Array(200..<204))
            for pass in try await f.passes() {
                #expect(pass.attempts == 1)
                #expect(!pass.history.contains { ($0.reason ?? "").hasPrefix("reset") })
            }
        }
    }

    @Test("the lease deleted by hand: the old holder's passes are still followed to the end, each executed once")
    func leaseDeletedByHand() async throws {
        try await withLedgerFleet(sleep: "3") { f in
            for site in ["site-a", "site-b"] { try f.worker(site, Self.hold).start() }
            let first = try await f.fleet.waitForHolder(within: 30)
            try await f.enqueue(runs: Array(300..<304))
            #expect(await eventually(within: 30) {
                (try? await f.passes().allSatisfy { $0.site == first.holder?.site && $0.subjobs.allSatisfy { $0.backendID != nil } }) == true
            })
            let stored = try await f.fleet.database.get(LeaseDocument.id(scope: "processing"))
            _ = try await f.fleet.database.delete(LeaseDocument.id(scope: "processing"), rev: try require(stored["_rev"]?.stringValue))

            #expect(try await f.waitForAllCompleted(within: 60))
            let next = try await f.fleet.waitForHolder(within: 30)
            #expect(next.epoch > first.epoch, "a lease written again after deletion continues the epochs")
            try f.expectEachExecutedOnce(runs: Array(300..<304))
        }
    }

    @Test("a site dead past dead_after with live batch jobs: its passes run elsewhere, and when it returns it cancels the old jobs and removes their outputs")
    func deadSiteCancelsAbandonedJobs() async throws {
        // Attempt 1 runs for a minute; any later attempt at once.
        try await withLedgerFleet(sleep: "$(( {attempt} == 1 ? 60 : 0 ))") { f in
            let a = try f.worker("site-a", Self.hold + ["dead_after_seconds: 6"])
            try a.start()
            let first = try await f.fleet.waitForHolder(within: 30)
            #expect(first.holder?.site == "site-a")
            try f.worker("site-b", Self.hold + ["dead_after_seconds: 6"]).start()
            #expect(await f.fleet.waitForState(.standby, of: "site-b", within: 20))
            try await f.enqueue(runs: [400, 401])
            #expect(await eventually(within: 30) { f.starts(run: 400, subrun: 0) + f.starts(run: 401, subrun: 1) == 2 })

            // The worker goes quiet; its batch jobs go on running.
            a.signal(SIGSTOP)
            #expect(try await f.waitForAllCompleted(within: 60))
            let reset = try await f.passes()
            #expect(reset.allSatisfy { $0.attempts == 2 && $0.abandoned.contains { $0.site == "site-a" && $0.attempt == 1 } })
            let oldDirectories = try f.attemptDirectories(attempt: 1)
            #expect(!oldDirectories.isEmpty)

            // `gasp status` tells the operator: site-a is down and has batch jobs to cancel.
            var environment = ProcessInfo.processInfo.environment
            environment["GASP_TEST_WORKER_PASSWORD"] = f.couch.adminPassword
            let status = try await runProcess(try gaspExecutableURL(), arguments: ["status", "--config", a.configFile.path], environment: environment)
            #expect(status.status == 4, "\(status.standardOutput)\n\(status.standardError)")
            #expect(status.standardOutput.contains("abandoned_jobs: 4 batch jobs of passes reset while site-a was away"), "\(status.standardOutput)")
            #expect(status.standardOutput.contains("site_down: site-a is stale"), "\(status.standardOutput)")

            // It returns: the attempt-1 jobs are cancelled before they finish, their outputs removed.
            a.signal(SIGCONT)
            #expect(await eventually(within: 30) { (try? await f.passes().allSatisfy { $0.abandoned.isEmpty }) == true },
                    "\(a.output.suffix(3000))")
            for run in [400, 401] {
                for subrun in [0, 1] {
                    let lines = f.ledger(run: run, subrun: subrun)
                    #expect(lines.filter { $0 == "start a1" }.count == 1 && !lines.contains("end a1"), "run \(run).\(subrun): \(lines)")
                    #expect(lines.filter { $0 == "start a2" }.count == 1 && lines.contains("end a2"), "run \(run).\(subrun): \(lines)")
                }
            }
            #expect(try f.attemptDirectories(attempt: 1).isEmpty)
            // Back and cleaned up: nothing left to report.
            #expect(await eventually(within: 20) {
                let again = try? await runProcess(try gaspExecutableURL(), arguments: ["status", "--config", a.configFile.path], environment: environment)
                return again?.status == 0
            })
            #expect(!a.lines("site round finished").isEmpty || !a.lines("cycle finished").isEmpty)
        }
    }

    @Test("a site dead past dead_after whose passes nobody claimed since takes them back with their batch jobs on return: each runs once")
    func deadSiteTakesBack() async throws {
        try await withLedgerFleet(sleep: "10") { f in
            let a = try f.worker("site-a", Self.hold + ["dead_after_seconds: 6"])
            try a.start()
            #expect(try await f.fleet.waitForHolder(within: 30).holder?.site == "site-a")
            // site-b can hold the lease (and reset) but runs nothing itself.
            try f.worker("site-b", ["lease: {scope: processing, seconds: 3, mode: hold}", "heartbeat_seconds: 0.5", "cycle_seconds: 0.3",
                                    "capacity: 0", "backend: local", "dead_after_seconds: 6"]).start()
            #expect(await f.fleet.waitForState(.standby, of: "site-b", within: 20))
            try await f.enqueue(runs: [600, 601])
            #expect(await eventually(within: 30) { [600, 601].allSatisfy { run in f.starts(run: run, subrun: 0) + f.starts(run: run, subrun: 1) == 2 } })

            a.signal(SIGSTOP)
            #expect(await eventually(within: 30) {
                (try? await f.passes().allSatisfy { $0.status == .waiting && $0.abandoned.contains { $0.site == "site-a" } }) == true
            }, "site-a's passes were not reset")
            a.signal(SIGCONT)
            #expect(try await f.waitForAllCompleted(within: 60))
            try f.expectEachExecutedOnce(runs: [600, 601])
            for pass in try await f.passes() {
                #expect(pass.attempts == 1)
                #expect(pass.history.contains { ($0.reason ?? "").hasPrefix("taken back by site-a") })
                #expect(pass.abandoned.isEmpty)
            }
        }
    }

    @Test("two workers started under one site name are both told, and gasp status names them (exit 4)")
    func twoWorkersUnderOneName() async throws {
        try await withLedgerFleet(sleep: "0") { f in
            let first = try f.worker("site-a", Self.hold)
            try first.start()
            #expect(await f.fleet.waitForState(.holding, of: "site-a", within: 30))
            let second = try f.worker("site-a", Self.hold)
            try second.start()
            #expect(await eventually(within: 20) {
                !first.lines("another worker runs under this site's name").isEmpty
                    || !second.lines("another worker runs under this site's name").isEmpty
            }, "\(first.output.suffix(2000))\n\(second.output.suffix(2000))")
            var environment = ProcessInfo.processInfo.environment
            environment["GASP_TEST_WORKER_PASSWORD"] = f.couch.adminPassword
            let status = try await runProcess(try gaspExecutableURL(), arguments: ["status", "--config", first.configFile.path], environment: environment)
            #expect(status.status == 4, "\(status.standardOutput)\n\(status.standardError)")
            #expect(status.standardOutput.contains("duplicate_worker: two workers run under the site name site-a"), "\(status.standardOutput)")
        }
    }

    @Test("draining the holder hands the lease to a site that can work, and the waiting passes run there")
    func drainingHolderHandsOver() async throws {
        try await withLedgerFleet(sleep: "0") { f in
            for site in ["site-a", "site-b", "site-c"] { try f.worker(site, Self.hold).start() }
            let first = try await f.fleet.waitForHolder(within: 30)
            let drained = try require(first.holder?.site)
            for site in ["site-a", "site-b", "site-c"] where site != drained {
                #expect(await f.fleet.waitForState(.standby, of: site, within: 20))
            }
            // The operator drains the holder (what `gasp site drain` writes).
            var document = try require(await f.fleet.siteDocument(drained))
            for _ in 0..<5 {
                document.draining = true
                do {
                    _ = try await f.fleet.database.put(id: document.id, document.json, rev: document.rev)
                    break
                } catch let error as CouchError where error.code == .conflict {
                    document = try require(await f.fleet.siteDocument(drained))
                }
            }
            let next = try await f.fleet.waitForHolder(within: 20, excluding: first.holder)
            #expect(next.holder?.site != drained)
            try await f.enqueue(runs: [500, 501])
            #expect(try await f.waitForAllCompleted(within: 60))
            #expect(try await f.passes().allSatisfy { $0.history.contains { $0.to == .submitted && $0.site != drained } })
            #expect(try f.submissions(of: drained).isEmpty)
            try f.expectEachExecutedOnce(runs: [500, 501])
        }
    }
}

/// A fleet whose batch jobs record every execution in a ledger.
final class LedgerFleet: @unchecked Sendable {
    // Mutable state is confined to the test task that owns the fleet.
    let database: CouchDatabase
    let couch: TestCouch
    let directory: URL
    var workers: [WorkerProcess] = []

    init(database: CouchDatabase, couch: TestCouch, directory: URL) {
        self.database = database
        self.couch = couch
        self.directory = directory
    }

    var fleet: Fleet { Fleet(database: database, workers: workers) }
    var output: String { directory.appendingPathComponent("out").path }
    var ledgerDirectory: URL { directory.appendingPathComponent("ledger") }

    /// A worker for `site` (not started), with the local backend writing under ``output``.
    func worker(_ site: String, _ settings: [String], environment: [String: String] = [:]) throws -> WorkerProcess {
        let worker = try WorkerProcess(
            site: site, couch: couch, database: database.name, directory: directory,
            worker: settings + ["output_root: \(output)"], environment: environment)
        workers.append(worker)
        return worker
    }

    /// One Processing job per run with a pass of two subruns.
    func enqueue(runs: [Int]) async throws {
        let documents = runs.map { run in
            JobDocument(module: "Processing", run: run, runType: "Physics", passes: [
                Pass(pass: 1, version: "r1", created: Date(), maxAttempts: 3, subjobs: [Subjob(subrun: 0), Subjob(subrun: 1)]),
            ]).json
        }
        for result in try await database.bulkDocs(documents) { _ = try result.get() }
    }

    /// The first pass of every job.
    func passes() async throws -> [Pass] {
        try await database.allDocs(.prefix("job:", includeDocs: true)).rows.map { try JobDocument(json: try require($0.doc)).passes[0] }
    }

    /// Polls until every pass completed.
    func waitForAllCompleted(within seconds: Double) async throws -> Bool {
        let done = await eventually(within: seconds) { (try? await self.passes().allSatisfy { $0.status == .completed }) == true }
        if !done {
            let states = (try? await passes().map { "\($0.status.rawValue)@\($0.site ?? "-")" }) ?? []
            let logs = workers.map { worker in "\(worker.site):\n" + String(worker.output.suffix(2000)) }.joined(separator: "\n")
            Issue.record("not every pass completed within \(seconds) s: \(states)\n\(logs)")
        }
        return done
    }

    /// The ledger lines of (run, subrun).
    func ledger(run: Int, subrun: Int) -> [String] {
        let file = ledgerDirectory.appendingPathComponent("P_\(run)_\(subrun)")
        return ((try? String(contentsOf: file, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// How many times (run, subrun) started.
    func starts(run: Int, subrun: Int) -> Int { ledger(run: run, subrun: subrun).filter { $0.hasPrefix("start") }.count }

    /// Records an issue for every (run, subrun) that did not execute exactly once, to the end.
    func expectEachExecutedOnce(runs: [Int], sourceLocation: SourceLocation = #_sourceLocation) throws {
        for run in runs {
            for subrun in [0, 1] {
                let lines = ledger(run: run, subrun: subrun)
                let starts = lines.filter { $0.hasPrefix("start") }
                let ends = lines.filter { $0.hasPrefix("end") }
                #expect(starts.count == 1 && ends.count == 1, "run \(run) subrun \(subrun) executed \(starts.count) times: \(lines)",
                        sourceLocation: sourceLocation)
            }
        }
    }

    /// What `site`'s local batch system was asked to run.
    func submissions(of site: String) throws -> [String] {
        try LocalSubmissionLog(stateDirectory: URL(fileURLWithPath: "\(output)/.gasp-local-jobs/\(site)")).entries().map(\.name)
    }

    /// The attempt directories of `attempt` that exist under the output root.
    func attemptDirectories(attempt: Int) throws -> [String] {
        let root = URL(fileURLWithPath: output).appendingPathComponent("Processing")
        guard let runs = try? FileManager.default.contentsOfDirectory(atPath: root.path) else { return [] }
        return runs.compactMap { run in
            let path = root.appendingPathComponent(run).appendingPathComponent("p1").appendingPathComponent("a\(attempt)").path
            return FileManager.default.fileExists(atPath: path) ? path : nil
        }
    }
}

/// Runs `body` with a fresh, bootstrapped database holding the catalogue of version `r1`, whose
/// Processing module appends to the ledger, sleeps `sleep` seconds (shell arithmetic allowed),
/// and writes its output. Every worker is killed afterwards, and so is every batch job.
func withLedgerFleet(sleep: String, _ body: @Sendable (LedgerFleet) async throws -> Void) async throws {
    try await withDatabase("gasp_runs_once") { database, couch in
        try await Fleet.install(into: database)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gasp-once-\(UUID().uuidString)")
        let fleet = LedgerFleet(database: database, couch: couch, directory: directory)
        try FileManager.default.createDirectory(at: fleet.ledgerDirectory, withIntermediateDirectories: true)
        let ledger = fleet.ledgerDirectory.path
        let catalogue = """
            version: r1
            defaults:
              retry: {max_attempts: 3, initial_delay_seconds: 0, multiplier: 1, max_delay_seconds: 0, jitter: 0}
            modules:
              Processing:
                kind: script
                level: sub_run
                command: "echo start a{attempt} >> \(ledger)/P_{run}_{subrun}; sleep \(sleep); echo {run} > P_r{run10}_s{subrun}.root; echo end a{attempt} >> \(ledger)/P_{run}_{subrun}"
                outputs: [{data_type: ratds, pattern: "P_r{run10}_s{subrun}.root"}]
            run_types:
              Physics: [Processing]
            """
        _ = try await database.put(try CatalogueStore.parse(catalogue, file: "r1.yaml").document)
        var failure: (any Error)?
        do {
            try await body(fleet)
        } catch {
            failure = error
        }
        for worker in fleet.workers { worker.signal(SIGCONT); worker.signal(SIGKILL) }
        // The batch jobs are detached: end them too (their scripts live under the directory).
        _ = try? await runProcess(URL(fileURLWithPath: "/usr/bin/pkill"), arguments: ["-KILL", "-f", directory.path])
        try? FileManager.default.removeItem(at: directory)
        if let failure { throw failure }
    }
}
