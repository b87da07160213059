import CouchDB
@testable import Enqueue
import Foundation
import JSON
import Processing
import Testing
import TestSupport

@Suite("Enqueue: pending runs, run status, registration, requests and catalogues against the store")
struct PendingAndRegistrationTests {
    typealias F = EnqueueFixture

    @Test("--pending creates passes for pending runs and marks them queued; a run that cannot be enqueued is marked failed")
    func pending() async throws {
        try await F.withDatabase { db in
            try await F.register(db, [1, 2, 3], pending: [1, 2])
            _ = try await db.put(["_id": "run:0000000004", "type": "run", "run": 4, "complete": true, "subfiles": 1, "processing_status": "pending"])
            let enqueuer = PendingRunEnqueuer(creator: F.creator(db, epoch: 3), spec: F.spec)
            let result = try await enqueuer.enqueuePending()
            #expect(Set(result.queued) == [1, 2])
            #expect(result.failed.map(\.run) == [4])
            #expect(Set(result.outcome.created.map(\.run)) == [1, 2])
            #expect(try await F.run(db, 1).processingStatus == .queued)
            #expect(try await F.run(db, 1).epoch == 3)
            let failed = try await F.run(db, 4)
            #expect(failed.processingStatus == .failed && failed.failureCount == 1)
            #expect(failed.failureReason?.contains("no run type") == true)
            #expect(try await F.run(db, 3).processingStatus == nil)
            let again = try await enqueuer.enqueuePending()
            #expect(again.queued.isEmpty && again.outcome.created.isEmpty)

            // Pending again later: a new pass.
            var run1 = try await F.run(db, 1)
            run1.processingStatus = .pending
            _ = try await db.put(run1.json)
            let repeated = try await enqueuer.enqueuePending()
            #expect(repeated.outcome.created.map(\.outlistLine).sorted() == ["Analysis 1 2", "Processing 1 2"])
        }
    }

    @Test("a crash between creating the jobs and marking the run queued creates nothing twice")
    func pendingCrash() async throws {
        try await F.withDatabase { db in
            try await F.register(db, [7], pending: [7])
            let run = try await F.run(db, 7)
            let creator = F.creator(db)
            // What a crashed call had written: the jobs, not the queued mark.
            _ = try await creator.enqueue(runs: [run], spec: F.spec, selection: .pending, requestIDs: [7: F.spec.pendingRequestID(run: run)])
            let result = try await PendingRunEnqueuer(creator: creator, spec: F.spec).enqueuePending()
            #expect(result.queued == [7])
            #expect(result.outcome.created.isEmpty)
            #expect(try await F.job(db, "Processing", 7)?.passes.count == 1)
        }
    }

    @Test("the switch document stops pending-run processing")
    func pendingSwitch() async throws {
        try await F.withDatabase { db in
            try await F.register(db, [1], pending: [1])
            try await AutomaticProcessing(database: db).set(enabled: false, reason: "beam off")
            let result = try await PendingRunEnqueuer(creator: F.creator(db), spec: F.spec).enqueuePending()
            #expect(result.switchedOff)
            #expect(try await F.jobCount(db) == 0)
            #expect(try await db.get("switch:auto_processing")["type"] == "switch")
        }
    }

    @Test("a run's processing_status follows its jobs: done, or failed with the reason and a count")
    func runStatus() async throws {
        try await F.withDatabase { db in
            try await F.register(db, [1, 2], pending: [1, 2])
            _ = try await PendingRunEnqueuer(creator: F.creator(db), spec: F.spec).enqueuePending()
            let updater = RunStatusUpdater(database: db)
            #expect(try await updater.updateQueued().isEmpty)
            for module in ["Processing", "Analysis"] {
                var job = try #require(try await F.job(db, module, 1))
                try job.passes[0].transition(to: .submitted, at: Date())
                try job.passes[0].transition(to: .completed, at: Date())
                _ = try await db.put(job.json)
            }
            var failing = try #require(try await F.job(db, "Processing", 2))
            try failing.passes[0].transition(to: .submitted, at: Date())
            try failing.passes[0].transition(to: .failed, at: Date())
            failing.passes[0].attempts = failing.passes[0].maxAttempts
            failing.passes[0].lastError = "segfault"
            _ = try await db.put(failing.json)
            let changed = try await updater.updateQueued()
            #expect(Set(changed.map(\.run)) == [1, 2])
            #expect(try await F.run(db, 1).processingStatus == .done)
            let run2 = try await F.run(db, 2)
            #expect(run2.processingStatus == .failed && run2.failureCount == 1)
            #expect(run2.failureReason == "Processing pass 1 failed: segfault")
            #expect(try await updater.update(runs: [2]).isEmpty, "the same failure counts once")
        }
    }

    @Test("runs add/import create, update only what differs, and keep the processing status")
    func registration() async throws {
        try await F.withDatabase { db in
            let registry = RunRegistry(database: db)
            let first = try await registry.register([RunDocument(run: 1, runType: "Physics", complete: false), RunDocument(run: 2, runType: "PCA")])
            #expect(first.created == [1, 2])
            var run1 = try await F.run(db, 1)
            run1.processingStatus = .queued
            _ = try await db.put(run1.json)
            let second = try await registry.register([RunDocument(run: 1, runType: "Physics", complete: true, subfiles: 4), RunDocument(run: 2, runType: "PCA")])
            #expect(second.updated == [1] && second.unchanged == [2])
            let read = try await F.run(db, 1)
            #expect(read.complete && read.subfiles == 4 && read.processingStatus == .queued)
        }
    }

    @Test("a production request creates its passes once; a bad one creates nothing")
    func request() async throws {
        try await F.withDatabase { db in
            let text = #"{"rat_v": "7.0.9", "label": "mc-1", "modules": [{"module": "SimBackground", "n_ev": 30, "ev_per_run": 10}, {"module": "SimRunConditions", "run_numbers": [500]}]}"#
            let request = try RequestSubmitter.parse(text, file: "r.json", catalogue: F.catalogue)
            let submitter = RequestSubmitter(creator: F.creator(db))
            let outcome = try await submitter.submit(request)
            #expect(outcome.created.map(\.outlistLine) == ["SimBackground 1 1", "SimBackground 2 1", "SimBackground 3 1", "SimRunConditions 500 1"])
            #expect(try await F.job(db, "SimBackground", 2)?.passes[0].request?["template"]?["geometry"] == "full")
            #expect(try await submitter.submit(request).created.isEmpty)
            let dry = try await submitter.submit(request, requestID: "second", dryRun: true)
            #expect(dry.created.count == 4)
            #expect(try await F.job(db, "SimBackground", 1)?.passes.count == 1)

            let bad = #"{"rat_v": "7.0.9", "modules": [{"module": "SimBackgrund", "n_ev": 3, "ev_per_run": 1}, {"module": "SimBackground"}]}"#
            #expect {
                _ = try RequestSubmitter.parse(bad, file: "bad.json", catalogue: F.catalogue)
            } throws: { error in
                (error as? EnqueueError)?.problems.count == 2
            }
            #expect {
                _ = try RequestSubmitter.parse("{\"rat_v\": ", file: "broken.json", catalogue: F.catalogue)
            } throws: { error in
                (error as? EnqueueError)?.problems.first?.description.hasPrefix("broken.json:1:") == true
            }
        }
    }

    @Test("the example catalogue validates, installs as catalogue:7.0.9 and is read back from the database")
    func catalogue() async throws {
        try await F.withDatabase { db in
            let catalogue = F.catalogue
            #expect(catalogue.modules(forRunType: "Physics") == ["Processing", "Analysis"])
            #expect(try await CatalogueStore.install(catalogue, into: db))
            #expect(try await !CatalogueStore.install(catalogue, into: db), "unchanged content is not written again")
            let stored = try await CatalogueStore.resolve(version: "7.0.9", path: nil, database: db)
            #expect(stored == catalogue)
            await #expect { _ = try await CatalogueStore.resolve(version: "9.9.9", path: nil, database: db) } throws: {
                ($0 as? EnqueueError)?.code == .unknownVersion
            }
        }
    }

    @Test("every shipped catalogue example is valid")
    func shippedCatalogues() throws {
        let directory = F.repository.appendingPathComponent("Ops/examples")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix("catalogue-") && $0.hasSuffix(".yaml") }
        #expect(!files.isEmpty)
        for file in files {
            let catalogue = try CatalogueStore.load(path: directory.appendingPathComponent(file).path)
            #expect(file == "catalogue-\(catalogue.version).yaml", "the file is named for its version")
        }
    }

    @Test("unknown placeholders in a catalogue file's commands: file, line and column of the command, and the nearest known one")
    func unknownCommandPlaceholders() {
        let text = """
            version: 7.0.9
            modules:
              Processing:
                kind: macro
                level: sub_run
                command: "rat {runn} {bogus} -o {output} ${HOME}/p.mac"
                outputs: [{data_type: ratds, pattern: "P_{run10}_s{subrun}.root"}]
              Analysis:
                kind: macro
                level: run
                prerequisites: [Processing]
                command: "rat -i {inputs} {outptu}"
            """
        do {
            _ = try CatalogueStore.parse(text, file: "cat.yaml")
            Issue.record("must fail")
        } catch {
            let lines = error.problems.map(\.description)
            #expect(lines.contains("cat.yaml:6:5: modules.Processing.command: unknown placeholder {runn} (did you mean {run}?)"))
            #expect(lines.contains { $0.hasPrefix("cat.yaml:6:5: modules.Processing.command: unknown placeholder {bogus} (known: ") })
            #expect(lines.contains("cat.yaml:12:5: modules.Analysis.command: unknown placeholder {outptu} (did you mean {output}?)"))
            #expect(error.problems.count == 3, "\(lines)")
        }
    }

    @Test("a broken catalogue file: every problem with file, line and column")
    func brokenCatalogue() {
        let text = """
            version: 7.0.9
            modules:
              Processing:
                kind: macro
                level: subrun
                command: rat
              Analysis:
                kind: macro
                level: run
                command: rat
                prerequisites: [Procesing]
                priorty: 3
            run_types:
              Physics: [Processing, Analysis, Calib]
            """
        do {
            _ = try CatalogueStore.parse(text, file: "cat.yaml")
            Issue.record("must fail")
        } catch {
            let lines = error.problems.map(\.description)
            #expect(lines.contains("cat.yaml:5:5: modules.Processing.level: unknown level subrun (known: sub_run, run, run_zdab, run_root)"))
            #expect(lines.contains("cat.yaml:11:21: modules.Analysis.prerequisites.0: unknown module Procesing (did you mean Processing?)"))
            #expect(lines.contains { $0.hasPrefix("cat.yaml:12:5: modules.Analysis.priorty: unknown key (did you mean priority?)") })
            #expect(lines.contains("cat.yaml:14:35: run_types.Physics.2: unknown module Calib"))
            #expect(error.problems.count == 4)
        }
        #expect { _ = try CatalogueStore.parse("modules: [\n", file: "bad.yaml") } throws: { error in
            (error as? EnqueueError)?.problems.first?.description.hasPrefix("bad.yaml:") == true
        }
    }
}
