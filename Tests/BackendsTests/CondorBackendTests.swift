import Foundation
import Testing
import JSON
@testable import Backends

/// HTCondor against stand-in commands (Fixtures/fakebatch.py) printing HTCondor's formats.
struct CondorBackendTests {
    static let commands = ["condor_submit": "condor_submit", "condor_q": "condor_q",
                           "condor_history": "condor_history", "condor_rm": "condor_rm"]

    func setUp(_ label: String, run: Bool) throws -> (Scratch, StandInCommands, CondorBackend) {
        let scratch = try Scratch(label)
        let standIns = try StandInCommands(scratch, commands: Self.commands)
        return (scratch, standIns, CondorBackend(runner: standIns.runner(run: run)))
    }

    @Test func submitWritesAScriptAndADescriptionAndReadsTheTerseID() async throws {
        let (scratch, standIns, backend) = try setUp("condor-submit", run: false)
        defer { scratch.remove() }
        let request = scratch.request("gasp.job-Processing-0000012345.p1.a2.s003", "echo hi",
                                      resources: BackendResources(cores: 2, memoryMB: 1500, wallTimeSeconds: 600))
        let id = try await backend.submit(request)
        #expect(id == "100.0")
        #expect(try standIns.calls().first == ["condor_submit", "-terse", "-"])
        let description = backend.submitDescription(for: request, scriptPath: scratch.file("\(request.name).sh"))
        #expect(description.contains("batch_name = gasp.job-Processing-0000012345.p1.a2.s003\n"))
        #expect(description.contains("request_memory = 1500\n"))
        #expect(description.contains("allowed_execute_duration = 600\n"))
        #expect(description.hasSuffix("queue 1\n"))
        #expect(scratch.read("\(request.name).sh")?.hasPrefix("#!/bin/sh\n") == true)
        #expect(try await backend.status(of: id).kind == .queued)
    }

    @Test func finishedJobsComeFromHistoryWithExitCodes() async throws {
        let (scratch, standIns, backend) = try setUp("condor-run", run: true)
        defer { scratch.remove() }
        let ok = try await backend.submit(scratch.request("gasp.condor.ok", "echo out; echo err >&2"))
        let bad = try await backend.submit(scratch.request("gasp.condor.bad", "exit 3"))
        let states = try await backend.status(of: [ok, bad, "999.0"])
        #expect(states[ok] == BackendJobState(.completed, exitCode: 0, raw: "JobStatus=4"))
        #expect(states[bad]?.kind == .failed)
        #expect(states[bad]?.exitCode == 3)
        #expect(states["999.0"]?.kind == .unknown)
        // One condor_q for all three, one condor_history for those not queued.
        let queries = try standIns.calls().filter { $0[0] == "condor_q" || $0[0] == "condor_history" }
        #expect(queries.map { $0[0] } == ["condor_q", "condor_history"])
        #expect(Array(queries[0].suffix(3)) == ["100.0", "101.0", "999.0"])
        #expect(Array(queries[1].suffix(4)) == ["-constraint", "(ClusterId == 100 && ProcId == 0) || (ClusterId == 101 && ProcId == 0) || (ClusterId == 999 && ProcId == 0)", "-limit", "3"])
        let outputs = try await backend.outputs(of: ok)
        #expect(outputs.standardOutputTail == "out\n")
        #expect(outputs.standardErrorTail == "err\n")
        #expect(outputs.exitCode == 0)
        #expect(outputs.cpuSeconds == 0)
    }

    @Test func heldSuspendedAndRemovedJobs() async throws {
        let (scratch, standIns, backend) = try setUp("condor-states", run: false)
        defer { scratch.remove() }
        let held = try await backend.submit(scratch.request("gasp.condor.held", "true"))
        let suspended = try await backend.submit(scratch.request("gasp.condor.suspended", "true"))
        let removed = try await backend.submit(scratch.request("gasp.condor.removed", "true"))
        try standIns.edit(job: held.rawValue) { job in
            var ad = job["ad"] as! [String: Any]
            ad["JobStatus"] = 5
            ad["HoldReason"] = "Error from slot1@node: disk quota exceeded"
            job["ad"] = ad
        }
        try standIns.edit(job: suspended.rawValue) { job in
            var ad = job["ad"] as! [String: Any]
            ad["JobStatus"] = 7
            job["ad"] = ad
        }
        try await backend.cancel([removed])
        let states = try await backend.status(of: [held, suspended, removed])
        #expect(states[held] == BackendJobState(.held, reason: "Error from slot1@node: disk quota exceeded", raw: "JobStatus=5"))
        #expect(states[suspended]?.kind == .suspended)
        #expect(states[removed] == BackendJobState(.cancelled, reason: "via condor_rm (by user root)", raw: "JobStatus=3"))
        try await backend.cancel([removed]) // already removed: not an error
    }

    @Test func jobsAreFoundByNameQueuedOrFinished() async throws {
        let (scratch, _, backend) = try setUp("condor-find", run: false)
        defer { scratch.remove() }
        let queued = try await backend.submit(scratch.request("gasp.job-A.p1.a1.s001", "true"))
        let finished = try await backend.submit(scratch.request("gasp.job-A.p1.a1.s002", "true"))
        try await backend.cancel([finished])
        _ = try await backend.submit(scratch.request("gasp.job-B.p1.a1.s001", "true"))
        #expect(try await backend.find(named: "gasp.job-A.p1.a1.s001") == queued)
        #expect(try await backend.find(named: "gasp.job-A.p1.a1.s002") == finished)
        #expect(try await backend.find(named: "gasp.job-A.p1.a1") == nil)
        let matches = try await backend.find(namePrefix: "gasp.job-A.")
        #expect(matches.map(\.id) == [queued, finished])
        #expect(matches.map { $0.state?.kind } == [.queued, .cancelled])
    }

    @Test func parserReadsEveryJobStatus() throws {
        // condor_q -json's layout: "[", ads separated by "\n,\n", "]".
        let text = """
            [
            {
              "ClusterId": 1,
              "JobStatus": 1,
              "ProcId": 0
            }
            ,
            {
              "ClusterId": 2, "ProcId": 0, "JobStatus": 2, "JobBatchName": "two"
            }
            ,
            { "ClusterId": 3, "ProcId": 0, "JobStatus": 3, "RemoveReason": "via condor_rm" }
            ,
            { "ClusterId": 4, "ProcId": 0, "JobStatus": 4, "ExitCode": 0, "ExitBySignal": false, "RemoteUserCpu": 1.5, "RemoteSysCpu": 0.5 }
            ,
            { "ClusterId": 4, "ProcId": 1, "JobStatus": 4, "ExitCode": 7, "ExitBySignal": false }
            ,
            { "ClusterId": 4, "ProcId": 2, "JobStatus": 4, "ExitBySignal": true, "ExitSignal": 9 }
            ,
            { "ClusterId": 5, "ProcId": 0, "JobStatus": 5, "HoldReason": "held by user" }
            ,
            { "ClusterId": 6, "ProcId": 0, "JobStatus": 6 }
            ,
            { "ClusterId": 7, "ProcId": 0, "JobStatus": 7 }
            ,
            { "ClusterId": 8, "ProcId": 0, "JobStatus": 9 }
            ]

            """
        let ads = try CondorClassAdParser.jobs(text)
        #expect(ads.map(\.id.rawValue) == ["1.0", "2.0", "3.0", "4.0", "4.1", "4.2", "5.0", "6.0", "7.0", "8.0"])
        #expect(ads.map(\.state.kind) == [.queued, .running, .cancelled, .completed, .failed, .failed, .held, .running, .suspended, .other])
        #expect(ads[1].name == "two")
        #expect(ads[3].cpuSeconds == 2.0)
        #expect(ads[4].state.exitCode == 7)
        #expect(ads[5].state.signal == 9)
        #expect(ads[6].state.reason == "held by user")
        #expect(try CondorClassAdParser.jobs("").isEmpty)
        #expect(throws: BackendError.self) { try CondorClassAdParser.jobs("{\"ClusterId\": 1}") }
    }

    @Test func terseSubmitOutput() throws {
        #expect(try CondorClassAdParser.submittedID("1234.0 - 1234.0\n") == "1234.0")
        #expect(throws: BackendError.self) { try CondorClassAdParser.submittedID("ERROR: on Line 3 of submit file\n") }
    }
}
