import Backends
import CouchDB
import Foundation
import JSON
import Lease
import Processing
import Testing
import TestSupport
@testable import Worker

/// The site's own round (a worker without the lease following its passes) and the guards on
/// every act outside the database.
@Suite("Cycle: the site's own round, and acting only while the authority holds")
struct SiteRoundTests {
    @Test("a site without the lease follows its own passes to completed, keeping the epoch each job carries")
    func standbyFollowsOwnPasses() async throws {
        try await CycleFixture.with { f in
            try await f.enqueue("Analysis", runs: [700])
            try await f.markClaimed("Analysis", runs: [700], site: "site-a")
            // The batch job was submitted by the holding that claimed it; the id was never recorded.
            try await f.submitAnalysisByHand(run: 700)
            let context = CycleContext(site: "site-a", liveSites: ["site-a", "site-b"], knownSites: ["site-a", "site-b"])
            var done = false
            let deadline = ContinuousClock.now.advanced(by: .seconds(20))
            while !done, ContinuousClock.now < deadline {
                _ = try await f.cycle.runSiteCycle(context: context)
                done = try await f.statuses("Analysis", [700]) == [.completed]
                if !done { try await Task.sleep(for: .milliseconds(50)) }
            }
            let job = try await f.job("Analysis", 700)
            #expect(job.passes[0].status == .completed, "\(job.json.serialized())")
            // Found by name, never submitted a second time.
            #expect(try f.backend.submissionLog.entries().count == 1)
            // No lease: the job keeps the epoch the claim wrote, and the history says none.
            #expect(job.epoch == 1)
            #expect(job.passes[0].history.last?.epoch == nil)
        }
    }

    @Test("a site whose heartbeat is not recent and steady submits nothing and claims nothing")
    func siteNotAliveActsOnNothing() async throws {
        try await CycleFixture.with { f in
            try await f.enqueue("Analysis", runs: [710])
            try await f.markClaimed("Analysis", runs: [710], site: "site-a")
            let expired = CycleContext(
                site: "site-a", liveSites: ["site-a"], knownSites: ["site-a"], aliveUntil: ContinuousClock.now.advanced(by: .seconds(-1)))
            _ = try await f.cycle.runSiteCycle(context: expired)
            _ = try await f.cycle.runCycle(f.term, context: expired)
            try await f.enqueue("Processing", runs: [711])
            _ = try await f.cycle.runCycle(f.term, context: expired)
            #expect(try f.backend.submissionLog.entries().isEmpty)
            #expect(try await f.statuses("Processing", [711]) == [.waiting])
        }
    }

    @Test("a holding that ended submits nothing more: every submission is preceded by a check of the term")
    func endedTermSubmitsNothing() async throws {
        try await CycleFixture.with { f in
            try await f.enqueue("Processing", runs: [720, 721])
            let ended = LeaseTerm(scope: "processing", holder: LeaseHolder(site: "site-a", instance: "test"), epoch: 1, mode: .hold,
                                  stillHeld: { false })
            await #expect(throws: LeaseError.self) { _ = try await f.cycle.runCycle(ended, context: f.context) }
            #expect(try f.backend.submissionLog.entries().isEmpty)
        }
    }

    @Test("a cancelled round stops before its next submission")
    func cancelledRoundSubmitsNothing() async throws {
        try await CycleFixture.with { f in
            try await f.enqueue("Processing", runs: [730])
            let task = Task { try await f.cycle.runCycle(f.term, context: f.context) }
            task.cancel()
            _ = try? await task.value
            #expect(try f.backend.submissionLog.entries().isEmpty)
        }
    }

    @Test("a returning site cancels the batch jobs of passes reset and claimed elsewhere while it was away, and removes their outputs")
    func returningSiteCleansUp() async throws {
        try await CycleFixture.with { f in
            try await f.enqueue("Analysis", runs: [740])
            // site-a's attempt 1 is running (a long job) when site-a is judged dead.
            let directory = f.root.appendingPathComponent("out/Analysis/\(RunNumber.padded(740))/p1/a1").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let id = try await f.backend.submit(BackendJobRequest(
                name: "gasp.Analysis.\(RunNumber.padded(740)).p1.a1", script: "sleep 60", workingDirectory: directory,
                standardOutputPath: directory + "/job.out", standardErrorPath: directory + "/job.err"))
            try await f.markClaimed("Analysis", runs: [740], site: "site-a", backendID: id.rawValue)
            var job = try await f.job("Analysis", 740)
            job.passes[0].subjobs[0].extra["directory"] = .string(directory)
            _ = try await f.database.put(f.term.fenced(job.json))

            // site-b holds the lease and resets it.
            let holderB = LeaseTerm(scope: "processing", holder: LeaseHolder(site: "site-b", instance: "b"), epoch: 2, mode: .hold, stillHeld: { true })
            let b = f.cycle(settings: CycleSettings(capacity: 0, outputRoot: f.root.appendingPathComponent("out-b").path), clock: { Date() })
            let contextB = CycleContext(site: "site-b", liveSites: ["site-b"], knownSites: ["site-a", "site-b"], enabled: false)
            let summary = try await b.runCycle(holderB, context: contextB)
            #expect(summary.counts["reset"] == 1)
            #expect(try await f.job("Analysis", 740).passes[0].abandoned.first?.backendID == id.rawValue)
            // site-b claims it again (attempt 2) before site-a is back.
            var reclaimed = try await f.job("Analysis", 740)
            reclaimed.passes[0].attempts = 2
            reclaimed.passes[0].site = "site-b"
            try reclaimed.passes[0].transition(to: .submitted, at: Date(), site: "site-b", epoch: 2, reason: "claimed by site-b, attempt 2")
            _ = try await f.database.put(holderB.fenced(reclaimed.json))

            // site-a returns as a standby: its round cancels the job and removes attempt 1's directory.
            let back = CycleContext(site: "site-a", liveSites: ["site-a", "site-b"], knownSites: ["site-a", "site-b"])
            let round = try await f.cycle.runSiteCycle(context: back)
            #expect(round.counts["abandoned_cancelled"] == 1)
            #expect(await poll(within: 10) { (try? await f.backend.status(of: id).kind) == .cancelled })
            #expect(!FileManager.default.fileExists(atPath: directory))
            let after = try await f.job("Analysis", 740)
            #expect(after.passes[0].abandoned.isEmpty)
            #expect(after.epoch == 2, "the standby kept the holder's epoch")
        }
    }

    @Test("a returning site takes back a pass nobody claimed since its reset, with its batch job still running: it runs once")
    func returningSiteTakesBack() async throws {
        try await CycleFixture.with { f in
            try await f.enqueue("Analysis", runs: [750])
            let padded = RunNumber.padded(750)
            let directory = f.root.appendingPathComponent("out/Analysis/\(padded)/p1/a1").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let id = try await f.backend.submit(BackendJobRequest(
                name: "gasp.Analysis.\(padded).p1.a1", script: "sleep 1; echo analysis > Analysis_r\(padded)_p1.root",
                workingDirectory: directory, standardOutputPath: directory + "/job.out", standardErrorPath: directory + "/job.err"))
            try await f.markClaimed("Analysis", runs: [750], site: "site-a", backendID: id.rawValue)

            // site-b holds the lease but claims nothing; it resets site-a's pass.
            let holderB = LeaseTerm(scope: "processing", holder: LeaseHolder(site: "site-b", instance: "b"), epoch: 2, mode: .hold, stillHeld: { true })
            let b = f.cycle(settings: CycleSettings(capacity: 0, outputRoot: f.root.appendingPathComponent("out-b").path), clock: { Date() })
            let contextB = CycleContext(site: "site-b", liveSites: ["site-b"], knownSites: ["site-a", "site-b"], enabled: false)
            #expect(try await b.runCycle(holderB, context: contextB).counts["reset"] == 1)

            // site-a returns: the pass is still waiting, so it takes it back with its running job.
            let back = CycleContext(site: "site-a", liveSites: ["site-a", "site-b"], knownSites: ["site-a", "site-b"])
            #expect(try await f.cycle.runSiteCycle(context: back).counts["taken_back"] == 1)
            let taken = try await f.job("Analysis", 750).passes[0]
            #expect(taken.status == .submitted && taken.site == "site-a" && taken.attempts == 1 && taken.abandoned.isEmpty)
            #expect(taken.subjobs[0].backendID == id.rawValue)
            #expect(await poll(within: 20) {
                _ = try? await f.cycle.runSiteCycle(context: back)
                return (try? await f.statuses("Analysis", [750])) == [.completed]
            })
            #expect(try f.backend.submissionLog.entries().count == 1, "submitted once, never again")
        }
    }
}
