import Backends
import CouchDB
import Foundation
import JSON
import Lease
import Processing
import Testing
import TestSupport
@testable import Worker

@Suite("The gasp cycle against a store and a local batch backend", .timeLimit(.minutes(2)))
struct ProcessingCycleTests {
    @Test("passes are claimed, run, verified and catalogued; Analysis waits for Processing; each batch job submitted once")
    func prerequisiteChain() async throws {
        try await CycleFixture.with { f in
            try await f.enqueue("Processing", runs: [100, 101])
            try await f.enqueue("Analysis", runs: [100, 101], prerequisite: PrerequisiteLink(module: "Processing", pass: 1))
            let done = try await f.cycles(within: 60) {
                try await f.statuses("Analysis", [100, 101]) == [.completed, .completed]
            }
            #expect(done)
            for run in [100, 101] {
                let processing = try await f.job("Processing", run).passes[0]
                let analysis = try await f.job("Analysis", run).passes[0]
                #expect(processing.status == .completed)
                #expect(processing.attempts == 1)
                // Analysis was claimed only after Processing completed.
                let completedAt = try require(processing.history.last { $0.to == .completed }?.time)
                let claimedAt = try require(analysis.history.first { $0.to == .submitted }?.time)
                #expect(claimedAt >= completedAt)
                // The outputs are catalogued with size and checksum, one file per subrun.
                let ratds = try DataDocument(json: try await f.database.get(DataDocument.id(module: "Processing", run: run, pass: 1, dataType: "ratds")))
                #expect(ratds.files.map(\.subrun) == [0, 1])
                #expect(ratds.files.allSatisfy { $0.size > 0 && $0.adler32.count == 8 })
                #expect(ratds.epoch == 1)
                let content = try String(contentsOfFile: try require(ratds.files[1].location), encoding: .utf8)
                #expect(content == "ratds \(run) 1\n")
                #expect(try await f.database.getIfExists(DataDocument.id(module: "Analysis", run: run, pass: 1, dataType: "ntuple")) != nil)
            }
            // Two runs × (2 Processing subjobs + 1 Analysis job), each name submitted exactly once.
            let log = try f.backend.submissionLog.entries()
            #expect(log.count == 6)
            #expect(try f.backend.submissionLog.duplicateNames().isEmpty)
            // The job document carries the logs of its batch jobs and the lease epoch.
            let job = try await f.database.get(JobDocument.id(module: "Processing", run: 100))
            #expect(job["epoch"] == 1)
        }
    }

    @Test("a transient failure is retried until the attempts run out; a pass with some subjobs done ends partFail")
    func retriesThenPartFail() async throws {
        try await CycleFixture.with { f in
            try await f.enqueue("Flaky", runs: [200])
            let ended = try await f.cycles(within: 60) { try await f.job("Flaky", 200).passes[0].status == .partFail }
            #expect(ended)
            let pass = try await f.job("Flaky", 200).passes[0]
            #expect(pass.attempts == 2)
            #expect(pass.history.contains { $0.to == .waiting && ($0.reason ?? "").hasPrefix("retry after") })
            #expect(pass.lastError?.contains("exit code 3") == true)
            #expect(pass.subjobs.map(\.status) == [.completed, .failed])
            // Only the failed subjob ran again: three submissions in all.
            #expect(try f.backend.submissionLog.entries().count == 3)
            // Its stderr is attached to the job document.
            let job = try await f.database.get(JobDocument.id(module: "Flaky", run: 200))
            let attachment = try await f.database.attachment(JobDocument.id(module: "Flaky", run: 200), name: "p1.a2.s1.err")
            #expect(String(decoding: attachment.data, as: UTF8.self).contains("Connection reset by peer"))
            #expect(job["_attachments"]?.objectValue?.keys.contains("p1.a1.s1.err") == true)
        }
    }

    @Test("a failure that is not transient fails at once; missing outputs fail a job that exited 0")
    func failures() async throws {
        try await CycleFixture.with { f in
            try await f.enqueue("Broken", runs: [300])
            try await f.enqueue("Silent", runs: [301])
            let ended = try await f.cycles(within: 60) {
                let broken = try await f.statuses("Broken", [300])
                let silent = try await f.statuses("Silent", [301])
                return broken == [.failed] && silent == [.failed]
            }
            let brokenJob = try await f.database.get(JobDocument.id(module: "Broken", run: 300))
            let silentJob = try await f.database.get(JobDocument.id(module: "Silent", run: 301))
            #expect(ended, "\(brokenJob["passes"]?.serialized() ?? "")\n\(silentJob["passes"]?.serialized() ?? "")")
            let broken = try await f.job("Broken", 300).passes[0]
            #expect(broken.attempts == 1)
            #expect(broken.lastError?.contains("exit code 139") == true)
            let silent = try await f.job("Silent", 301).passes[0]
            #expect(silent.lastError == "missing outputs: Silent_r0000000301.txt")
            #expect(try await f.database.getIfExists(DataDocument.id(module: "Silent", run: 301, pass: 1, dataType: "text")) == nil)
        }
    }

    @Test("a job the batch system no longer knows is reset to waiting with the reason, then run again")
    func vanishedJobIsReset() async throws {
        try await CycleFixture.with { f in
            try await f.enqueue("Analysis", runs: [400])
            // A cycle claims and submits; then the backend forgets the job.
            _ = try await f.cycle.runCycle(f.term, context: f.context)
            let claimed = try await f.job("Analysis", 400).passes[0]
            #expect(claimed.status == .submitted || claimed.status == .running)
            let id = try require(claimed.subjobs[0].backendID, "batch id")
            try FileManager.default.moveItem(
                at: f.root.appendingPathComponent("backend/jobs/\(id)"), to: f.root.appendingPathComponent("forgotten-\(id)"))
            _ = try await f.cycle.runCycle(f.term, context: f.context)
            let completed = try await f.cycles(within: 30) { try await f.job("Analysis", 400).passes[0].status == .completed }
            #expect(completed)
            let pass = try await f.job("Analysis", 400).passes[0]
            #expect(pass.history.contains { ($0.reason ?? "").contains("no longer knows \(id)") })
            #expect(pass.attempts == 2)
        }
    }

    @Test("a claim whose submission was never recorded is found by name, not submitted again")
    func claimedButUnrecorded() async throws {
        try await CycleFixture.with { f in
            try await f.enqueue("Analysis", runs: [500, 501])
            // As a holder that died between its claim and recording the batch ids would leave
            // them: both claimed; run 500's job reached the batch system, run 501's did not.
            try await f.markClaimed("Analysis", runs: [500, 501])
            try await f.submitAnalysisByHand(run: 500)

            let done = try await f.cycles(within: 30) {
                try await f.statuses("Analysis", [500, 501]) == [.completed, .completed]
            }
            #expect(done)
            let names = try f.backend.submissionLog.entries().map(\.name).sorted()
            #expect(names == ["gasp.Analysis.0000000500.p1.a1", "gasp.Analysis.0000000501.p1.a1"])
        }
    }

    @Test("a draining site finishes what it runs and claims nothing new")
    func draining() async throws {
        try await CycleFixture.with { f in
            try await f.enqueue("Analysis", runs: [600])
            _ = try await f.cycle.runCycle(f.term, context: f.context)
            try await f.enqueue("Analysis", runs: [601])
            var draining = f.context
            draining.draining = true
            let done = try await f.cycles(within: 30, context: draining) { try await f.job("Analysis", 600).passes[0].status == .completed }
            #expect(done)
            #expect(try await f.job("Analysis", 601).passes[0].status == .waiting)
            #expect(try f.backend.submissionLog.entries().count == 1)
        }
    }

    @Test("capacity bounds the passes running at once; versions the site cannot run are left alone")
    func capacityAndVersions() async throws {
        try await CycleFixture.with(capacity: 2) { f in
            try await f.enqueue("Analysis", runs: [700, 701, 702, 703])
            // A site that runs only another version claims none of them.
            var other = f.cycle.settings
            other.supportedVersions = ["t0"]
            let unsupported = try await f.cycle(settings: other, clock: { Date() }).runCycle(f.term, context: f.context)
            #expect(unsupported.counts["claimed"] == nil)
            let summary = try await f.cycle.runCycle(f.term, context: f.context)
            #expect(summary.counts["claimed"] == 2)
            #expect(summary.counts["submitted"] == 2)
            #expect(try await f.statuses("Analysis", [700, 701, 702, 703]) == [.submitted, .submitted, .waiting, .waiting])
        }
    }

    @Test("a calibration lock holds back the runs after its calibration run; that run and earlier ones go ahead")
    func calibrationLock() async throws {
        try await CycleFixture.with { f in
            _ = try await f.database.put(CalibrationLock(kind: "PCA", run: 1000, setTime: nil).json)
            try await f.enqueue("Analysis", runs: [999, 1000, 1001])
            let summary = try await f.cycle.runCycle(f.term, context: f.context)
            #expect(summary.counts["claimed"] == 2)
            let statuses = try await f.statuses("Analysis", [999, 1000, 1001])
            #expect(statuses[0] != .waiting && statuses[1] != .waiting)
            #expect(statuses[2] == .waiting)
        }
    }

    @Test("passes locked to a dead site are reset, with the reason, and its batch jobs recorded as abandoned")
    func staleSiteReset() async throws {
        try await CycleFixture.with { f in
            try await f.enqueue("Analysis", runs: [800])
            try await f.markClaimed("Analysis", runs: [800], site: "site-x", backendID: "12345")
            // site-x has a document but no live heartbeat; nothing may be claimed by us meanwhile.
            var context = CycleContext(site: "site-a", liveSites: ["site-a"], knownSites: ["site-a", "site-x"])
            context.enabled = false
            let summary = try await f.cycle.runCycle(f.term, context: context)
            #expect(summary.counts["reset"] == 1)
            let pass = try await f.job("Analysis", 800).passes[0]
            #expect(pass.status == .waiting)
            #expect(pass.site == nil)
            #expect(pass.history.last?.reason?.hasPrefix("reset: site site-x has not heartbeat") == true)
            #expect(pass.abandoned.map(\.site) == ["site-x"])
            #expect(pass.abandoned.allSatisfy { $0.backendID == "12345" && $0.attempt == 1 })
        }
    }

    @Test("a write refused by the fencing rule stops the cycle as a lost lease")
    func fencedWriteStops() async throws {
        try await CycleFixture.with { f in
            try await f.enqueue("Analysis", runs: [900])
            // A newer holder (epoch 5) has written the job.
            let newer = LeaseTerm(scope: "processing", holder: LeaseHolder(site: "site-b", instance: "b"), epoch: 5, mode: .hold, stillHeld: { true })
            let job = try await f.job("Analysis", 900)
            _ = try await f.database.put(newer.fenced(job.json))
            await #expect {
                _ = try await f.cycle.runCycle(f.term, context: f.context)
            } throws: { error in
                (error as? FencedWriteRefused)?.documentID == "job:Analysis:0000000900"
            }
            #expect(try f.backend.submissionLog.entries().isEmpty)
        }
    }
}

