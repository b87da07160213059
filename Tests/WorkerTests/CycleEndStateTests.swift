import Foundation
import JSON
import Processing
import Testing
import TestSupport
@testable import Worker

@Suite("The cycle lets dependants and runs follow a pass that reached an end state", .timeLimit(.minutes(2)))
struct CycleEndStateTests {
    @Test("a non-transient failure with attempts left makes the dependant unsatisfied and the run failed in the same cycle")
    func failureReachesDependantAndRun() async throws {
        try await CycleFixture.with { f in
            // Run 950 was enqueued by hand (no processing_status), run 951 by automatic processing.
            _ = try await f.database.put(RunDocument(run: 950, runType: "Physics").json)
            _ = try await f.database.put(RunDocument(run: 951, runType: "Physics", processingStatus: .queued).json)
            try await f.enqueue("Broken", runs: [950, 951])
            try await f.enqueue("Analysis", runs: [950, 951], prerequisite: PrerequisiteLink(module: "Broken", pass: 1))
            let first = try await f.cycle.runCycle(f.term, context: f.context)
            #expect(first.counts["claimed"] == 2)
            #expect(try await f.statuses("Analysis", [950, 951]) == [.waiting, .waiting])

            // From now on the site claims nothing: only the monitor step can move the dependants.
            var draining = f.context
            draining.draining = true
            let failed = try await f.cycles(within: 60, context: draining) {
                try await f.statuses("Broken", [950, 951]) == [.failed, .failed]
            }
            #expect(failed)
            // Checked right after the cycle in which Broken failed: no later cycle ran.
            for run in [950, 951] {
                let broken = try await f.job("Broken", run).passes[0]
                #expect(broken.attempts == 1 && broken.maxAttempts == 2, "attempts were left")
                let analysis = try await f.job("Analysis", run).passes[0]
                #expect(analysis.status == .unsatisfied)
                let entry = try require(analysis.history.last)
                #expect(entry.reason?.hasPrefix("prerequisite Broken pass 1 is failed: ") == true)
                #expect(entry.reason?.contains("exit code 139") == true)
                #expect(entry.epoch == 1 && entry.site == "site-a")
                let document = try await f.database.get(RunDocument.id(run: run))
                let runDocument = try RunDocument(json: document)
                #expect(runDocument.processingStatus == .failed)
                #expect(runDocument.failureReason?.hasPrefix("Broken pass 1 failed: ") == true)
                #expect(runDocument.failureReason?.contains("exit code 139") == true)
                #expect(runDocument.failureCount == 1)
                #expect(document["epoch"] == 1, "written fenced with the term's epoch")
                let job = try await f.database.get(JobDocument.id(module: "Analysis", run: run))
                #expect(job["epoch"] == 1)
            }
            // A further cycle changes nothing: the failure counts once.
            _ = try await f.cycle.runCycle(f.term, context: draining)
            #expect(try RunDocument(json: try await f.database.get(RunDocument.id(run: 950))).failureCount == 1)
        }
    }

    @Test("a run whose passes all completed is done in the cycle of its last completion, run document or not")
    func completionMakesRunDone() async throws {
        try await CycleFixture.with { f in
            _ = try await f.database.put(RunDocument(run: 960, runType: "Physics").json)
            try await f.enqueue("Analysis", runs: [960, 961])
            let completed = try await f.cycles(within: 60) {
                try await f.statuses("Analysis", [960, 961]) == [.completed, .completed]
            }
            #expect(completed)
            #expect(try RunDocument(json: try await f.database.get(RunDocument.id(run: 960))).processingStatus == .done)
            #expect(try await f.database.getIfExists(RunDocument.id(run: 961)) == nil, "no run document: nothing written")
        }
    }
}
