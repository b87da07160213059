import Foundation
import Testing
@testable import Backends
import TestSupport

/// Against a real single-node Slurm (slurmctld + slurmd from Debian), started for this suite.
@Suite(.serialized, .slurmCluster, .enabled(if: SlurmTestCluster.isInstalled, "Slurm is not installed (Debian: slurm-wlm munge)"))
struct SlurmBackendTests {
    let backend = SlurmTestCluster.backend()

    func finished(_ id: BackendJobID, within timeout: Duration = .seconds(60)) async throws -> BackendJobState {
        try await poll(timeout: timeout, "job \(id) to finish") {
            try await backend.status(of: id)
        } until: { $0.isFinished }
    }

    @Test func aJobThatWritesAFileAndExitsZeroCompletes() async throws {
        let scratch = try Scratch("slurm-ok")
        defer { scratch.remove() }
        // sbatch passes its own environment on (--export=ALL): gasp's secrets are kept out of it.
        var environment = ProcessInfo.processInfo.environment
        environment["GASP_COUCHDB_PASSWORD"] = "hunter2"
        let backend = SlurmBackend(configuration: self.backend.configuration, runner: ProcessRunner(baseEnvironment: environment))
        let request = scratch.request("gasp.test-ok.a1", """
            echo "${GASP_COUCHDB_PASSWORD:-withheld}" > secret
            echo "from $GASP_GREETING" > marker
            echo done-on-stdout
            echo note-on-stderr >&2
            """, resources: BackendResources(cores: 1, memoryMB: 100, wallTimeSeconds: 120),
            environment: ["GASP_GREETING": "slurm with 'quotes'"])
        let id = try await backend.submit(request)
        let state = try await finished(id)
        #expect(state.kind == .completed)
        #expect(state.exitCode == 0)
        #expect(state.raw == "COMPLETED")
        #expect(scratch.read("marker") == "from slurm with 'quotes'\n")
        #expect(scratch.read("secret") == "withheld\n")
        let outputs = try await backend.outputs(of: id)
        #expect(outputs.standardOutputTail == "done-on-stdout\n")
        #expect(outputs.standardErrorTail == "note-on-stderr\n")
        #expect(outputs.standardOutputPath == request.standardOutputPath)
        #expect(outputs.exitCode == 0)
    }

    @Test func aJobThatExitsThreeFailsWithItsExitCode() async throws {
        let scratch = try Scratch("slurm-exit3")
        defer { scratch.remove() }
        let id = try await backend.submit(scratch.request("gasp.test-exit3.a1", "echo failing >&2\nexit 3"))
        let state = try await finished(id)
        #expect(state.kind == .failed)
        #expect(state.exitCode == 3)
        #expect(state.reason == "NonZeroExitCode")
        #expect(state.raw == "FAILED")
        let outputs = try await backend.outputs(of: id, files: BackendOutputFiles(
            standardOutputPath: scratch.file("gasp.test-exit3.a1.out"), standardErrorPath: scratch.file("gasp.test-exit3.a1.err")),
            tailBytes: 3)
        #expect(outputs.standardErrorTail == "ng\n")
        #expect(outputs.exitCode == 3)
    }

    @Test func aSleepingJobIsCancelled() async throws {
        let scratch = try Scratch("slurm-cancel")
        defer { scratch.remove() }
        let id = try await backend.submit(scratch.request("gasp.test-cancel.a1", "echo started > started\nsleep 300"))
        try await poll(timeout: .seconds(60), "job \(id) to start") {
            (try await backend.status(of: id), scratch.read("started"))
        } until: { $0.0.kind == .running && $0.1 != nil }
        try await backend.cancel([id])
        let state = try await finished(id)
        #expect(state.kind == .cancelled)
        #expect(state.raw.hasPrefix("CANCELLED"))
        // Cancelling a finished job again is not an error.
        try await backend.cancel([id])
    }

    @Test func jobsAreFoundByNameInEveryState() async throws {
        let scratch = try Scratch("slurm-find")
        defer { scratch.remove() }
        let prefix = "gasp.job-Processing-0000012345.p1.a\(Int.random(in: 100...999))"
        let quick = try await backend.submit(scratch.request("\(prefix).s001", "true"))
        let slow = try await backend.submit(scratch.request("\(prefix).s002", "sleep 300"))
        _ = try await finished(quick)

        #expect(try await backend.find(named: "\(prefix).s001") == quick)
        #expect(try await backend.find(named: "\(prefix).s002") == slow)
        #expect(try await backend.find(named: "\(prefix).s003") == nil)
        let matches = try await backend.find(namePrefix: prefix)
        #expect(matches.map(\.id) == [quick, slow])
        #expect(matches.map(\.name) == ["\(prefix).s001", "\(prefix).s002"])
        #expect(matches.first?.state?.kind == .completed)
        #expect(matches.last?.state?.isFinished == false)
        try await backend.cancel([slow])
        _ = try await finished(slow)
        #expect(try await backend.find(named: "\(prefix).s002") == slow)
    }

    @Test func theStatesOfManyJobsComeFromOneQuery() async throws {
        let scratch = try Scratch("slurm-many")
        defer { scratch.remove() }
        var ids: [BackendJobID] = []
        for (index, script) in ["exit 0", "exit 1", "exit 2", "exit 0"].enumerated() {
            ids.append(try await backend.submit(scratch.request("gasp.test-many.s\(index)", script)))
        }
        let never: BackendJobID = "987654321"
        let malformed: BackendJobID = "100.0"
        let states = try await poll(timeout: .seconds(90), "four jobs to finish") {
            try await backend.status(of: ids + [never, malformed])
        } until: { states in ids.allSatisfy { states[$0]?.isFinished == true } }
        #expect(states.count == 6)
        #expect(states[malformed]?.kind == .unknown)
        #expect(ids.map { states[$0]?.exitCode } == [0, 1, 2, 0])
        #expect(ids.map { states[$0]?.kind } == [.completed, .failed, .failed, .completed])
        #expect(states[never]?.kind == .unknown)
        // Ids Slurm never heard of alone are unknown, not an error.
        #expect(try await backend.status(of: [never])[never]?.kind == .unknown)
    }

    /// Slurm's smallest time limit is one minute, and slurmctld checks limits every 30 s: this
    /// takes 60–100 s.
    @Test(.timeLimit(.minutes(3))) func aJobPastItsTimeLimitTimesOut() async throws {
        let scratch = try Scratch("slurm-timeout")
        defer { scratch.remove() }
        let id = try await backend.submit(scratch.request(
            "gasp.test-timeout.a1", "sleep 600", resources: BackendResources(wallTimeSeconds: 30)))
        let state = try await finished(id, within: .seconds(150))
        #expect(state.kind == .timedOut)
        #expect(state.raw == "TIMEOUT")
    }
}
