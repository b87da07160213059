import Backends
import CouchDB
import Enqueue
import Foundation
import JSON
import Lease
import Processing
import Testing
import TestSupport

/// The whole cycle on a fleet of real worker processes, holders killed at random.
@Suite("Fleet: every pass completed exactly once through holder kills", .serialized, .timeLimit(.minutes(4)))
struct ExactlyOnceTests {
    /// Each batch job also appends a line to `LEDGER/<module>_<run>`, so executions are counted
    /// from what ran, not from the names recorded.
    static func catalogue(ledger: String) -> String { """
        version: e1
        defaults:
          retry: {max_attempts: 3, initial_delay_seconds: 0, multiplier: 1, max_delay_seconds: 0, jitter: 0}
        modules:
          Processing:
            kind: script
            level: sub_run
            command: "echo P a{attempt} s{subrun} >> \(ledger)/Processing_{run}; echo {run} {subrun} > P_r{run10}_s{subrun}.root"
            outputs: [{data_type: ratds, pattern: "P_r{run10}_s{subrun}.root"}]
          Analysis:
            kind: script
            level: run
            prerequisites: [Processing]
            command: "echo A a{attempt} >> \(ledger)/Analysis_{run}; echo {run} > A_r{run10}.root"
            outputs: [{data_type: ntuple, pattern: "A_r{run10}.root"}]
        run_types:
          Physics: [Processing, Analysis]
        """ }

    @Test("200 passes over 3 rotating workers with the holder SIGKILLed every few seconds: all complete, each executed once")
    func exactlyOnce() async throws {
        try await withDatabase("gasp_exactly_once") { database, couch in
            try await Fleet.install(into: database)
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gasp-once-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let ledger = directory.appendingPathComponent("ledger")
            try FileManager.default.createDirectory(at: ledger, withIntermediateDirectories: true)
            _ = try await database.put(try CatalogueStore.parse(Self.catalogue(ledger: ledger.path), file: "e1.yaml").document)
            let runs = Array(1000..<1100)
            var documents: [JSONValue] = []
            for run in runs {
                documents.append(JobDocument(module: "Processing", run: run, runType: "Physics", passes: [
                    Pass(pass: 1, version: "e1", created: Date(), maxAttempts: 3, subjobs: [Subjob(subrun: 0)]),
                ]).json)
                documents.append(JobDocument(module: "Analysis", run: run, runType: "Physics", passes: [
                    Pass(pass: 1, version: "e1", created: Date(), prerequisites: [PrerequisiteLink(module: "Processing", pass: 1)],
                         maxAttempts: 3, subjobs: [Subjob(subrun: nil)]),
                ]).json)
            }
            for result in try await database.bulkDocs(documents) { _ = try result.get() }

            defer { try? FileManager.default.removeItem(at: directory) }
            let output = directory.appendingPathComponent("out").path
            let sites = ["site-a", "site-b", "site-c"]
            let workers = try sites.map {
                try WorkerProcess(site: $0, couch: couch, database: database.name, directory: directory, worker: [
                    "lease: {scope: processing, seconds: 3, mode: rotate}", "heartbeat_seconds: 0.5", "cycle_seconds: 0.3",
                    "capacity: 25", "backend: local", "output_root: \(output)",
                ])
            }
            for worker in workers { try worker.start() }
            let fleet = Fleet(database: database, workers: workers)
            defer { for worker in workers { worker.signal(SIGKILL) } }

            // Kill whoever holds the lease every two to four seconds, and start it again as
            // systemd would, until every pass has completed.
            var kills = 0
            let deadline = ContinuousClock.now.advanced(by: .seconds(180))
            while ContinuousClock.now < deadline {
                if try await Self.completedPasses(database) == 2 * runs.count { break }
                try await Task.sleep(for: .milliseconds(Int.random(in: 2000...4000)))
                guard let holder = await fleet.lease()?.holder, let victim = workers.first(where: { $0.site == holder.site }) else { continue }
                victim.signal(SIGKILL)
                _ = try await victim.waitForExit(timeout: 10)
                try victim.start()
                kills += 1
            }
            let completed = try await Self.completedPasses(database)
            #expect(completed == 2 * runs.count, "\(completed) of \(2 * runs.count) passes completed after \(kills) kills")
            #expect(kills >= 3)

            // The batch systems' own records: no job name was ever submitted twice.
            var names: [String: Int] = [:]
            for site in sites {
                let log = LocalSubmissionLog(stateDirectory: URL(fileURLWithPath: "\(output)/.gasp-local-jobs/\(site)"))
                for entry in try log.entries() { names[entry.name, default: 0] += 1 }
            }
            #expect(names.filter { $0.value > 1 }.isEmpty, "submitted twice: \(names.filter { $0.value > 1 })")
            // No status lost: each pass went waiting → submitted → (running →) completed, in order,
            // with epochs that never go down; a second attempt only after a recorded reset.
            for row in try await database.allDocs(.prefix("job:", includeDocs: true)).rows {
                let job = try JobDocument(json: try require(row.doc))
                let pass = job.passes[0]
                let path = pass.history.map(\.to)
                #expect(path.first == .waiting && path.last == .completed, "\(job.id): \(row.doc?["passes"]?.serialized() ?? "")")
                let epochs = pass.history.compactMap(\.epoch)
                #expect(epochs == epochs.sorted(), "\(job.id): epochs \(epochs)")
                if pass.attempts > 1 {
                    // A second attempt only after a recorded reset (stale site, vanished job) or a
                    // retry of a job the batch system lost (one whose holder was killed as it started it).
                    #expect(pass.history.contains { ($0.reason ?? "").hasPrefix("reset") || ($0.reason ?? "").hasPrefix("retry after") },
                            "\(job.id): attempt \(pass.attempts) without a recorded reason")
                }
                let name = pass.subjobs[0].backendName ?? ""
                #expect(names[name] == 1, "\(job.id): its batch job \(name) was submitted \(names[name] ?? 0) times")
            }
            // What physically ran: each subjob executed once, whatever the attempt (a holder
            // killed and restarted keeps following its own batch jobs).
            for run in runs {
                let processing = (try? String(contentsOf: ledger.appendingPathComponent("Processing_\(run)"), encoding: .utf8)) ?? ""
                let analysis = (try? String(contentsOf: ledger.appendingPathComponent("Analysis_\(run)"), encoding: .utf8)) ?? ""
                #expect(processing.split(separator: "\n").count == 1, "Processing \(run) executed: \(processing)")
                #expect(analysis.split(separator: "\n").count == 1, "Analysis \(run) executed: \(analysis)")
            }
            // Every output was catalogued.
            let data = try await database.allDocs(.prefix("data:")).rows.count
            #expect(data == 2 * runs.count)
        }
    }

    static func completedPasses(_ database: CouchDatabase) async throws -> Int {
        let rows = try await database.view("passes", "by_status_module", ViewQuery(
            startKey: ["completed"], endKey: ["completed", [:]], reduce: true)).rows
        return rows.first?.value.intValue ?? 0
    }
}

func require<T>(_ value: T?) throws -> T {
    guard let value else { throw TestSupportError("missing value") }
    return value
}
