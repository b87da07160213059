import Foundation
import Testing
@testable import Backends

/// Parsers on output recorded from Slurm 22.05 (`squeue`, `sacct`, `scontrol`, `sbatch`).
struct SlurmStateParserTests {
    @Test(arguments: [
        ("PENDING", BackendJobState.Kind.queued), ("PD", .queued), ("CONFIGURING", .queued),
        ("REQUEUED", .queued), ("REQUEUE_FED", .queued), ("REQUEUE_HOLD", .held), ("RESV_DEL_HOLD", .held),
        ("RUNNING", .running), ("R", .running), ("COMPLETING", .running), ("CG", .running),
        ("RESIZING", .running), ("SIGNALING", .running), ("STAGE_OUT", .running),
        ("SUSPENDED", .suspended), ("STOPPED", .suspended),
        ("COMPLETED", .completed), ("CD", .completed),
        ("FAILED", .failed), ("SPECIAL_EXIT", .failed), ("LAUNCH_FAILED", .failed),
        ("CANCELLED", .cancelled), ("CANCELLED by 0", .cancelled), ("CANCELLED by 1234", .cancelled),
        ("CA", .cancelled), ("REVOKED", .cancelled),
        ("TIMEOUT", .timedOut), ("DEADLINE", .timedOut),
        ("NODE_FAIL", .nodeFailed), ("BOOT_FAIL", .nodeFailed),
        ("OUT_OF_MEMORY", .outOfMemory), ("OOM", .outOfMemory),
        ("PREEMPTED", .preempted),
        ("RUNNING+", .running), ("completed", .completed),
        ("SOMETHING_NEW", .other), ("", .other),
    ])
    func everySlurmStateHasAKind(raw: String, kind: BackendJobState.Kind) {
        #expect(SlurmStateParser.kind(of: raw) == kind)
    }

    @Test func squeueLinesKeepRawStateExitCodeReasonAndNamesWithBars() throws {
        let text = """
            1|FAILED|768|NonZeroExitCode|t.a1
            2|TIMEOUT|15|TimeLimit|t.a2
            3|RUNNING|0|None|gasp.job-Processing-0000012345.p1.a2.s003|odd|name
            4|PENDING|0|Resources|queued.one
            5|COMPLETED|0|None|ok
            6|CANCELLED|15|None|gone

            """
        let records = try SlurmOutputParsers.squeue(text)
        #expect(records.map(\.id) == ["1", "2", "3", "4", "5", "6"])
        #expect(records[0].state == BackendJobState(.failed, exitCode: 3, signal: nil, reason: "NonZeroExitCode", raw: "FAILED"))
        #expect(records[1].state.kind == .timedOut)
        #expect(records[1].state.signal == 15)
        #expect(records[2].name == "gasp.job-Processing-0000012345.p1.a2.s003|odd|name")
        #expect(records[2].state == BackendJobState(.running, raw: "RUNNING"))
        #expect(records[3].state == BackendJobState(.queued, reason: "Resources", raw: "PENDING"))
        #expect(records[4].state.isSuccess)
        #expect(records[5].state.kind == .cancelled)
    }

    @Test func aSqueueLineWithTooFewFieldsIsAnError() {
        #expect(throws: BackendError.self) { try SlurmOutputParsers.squeue("12|RUNNING\n") }
    }

    @Test func sacctLinesCarryExitCodesSignalsAndCPU() throws {
        let text = """
            10|COMPLETED|0:0|00:01.500|ok
            11|FAILED|3:0|00:00.010|bad
            12|CANCELLED by 0|0:15|00:00:00|cancelled
            13|OUT_OF_MEMORY|0:125|01:02:03|big
            14|NODE_FAIL|1:0|1-00:00:01|node
            15|PENDING|0:0|00:00:00|waiting
            """
        let records = try SlurmOutputParsers.sacct(text)
        #expect(records.map(\.state.kind) == [.completed, .failed, .cancelled, .outOfMemory, .nodeFailed, .queued])
        #expect(records[1].state.exitCode == 3)
        #expect(records[1].state.reason == "exit code 3")
        #expect(records[2].state.raw == "CANCELLED by 0")
        #expect(records[2].state.signal == 15)
        #expect(records[0].cpuSeconds == 1.5)
        #expect(records[3].cpuSeconds == 3723)
        #expect(records[4].cpuSeconds == 86_401)
        #expect(records[5].state.exitCode == nil)
    }

    @Test func scontrolOneLineRecordsGiveOutputPaths() {
        let text = "JobId=1 JobName=t.a1 UserId=root(0) GroupId=root(0) JobState=FAILED Reason=NonZeroExitCode Dependency=(null) ExitCode=3:0 RunTime=00:00:00 AllocNode:Sid=localhost:10467 CPUs/Task=1 ReqB:S:C:T=0:0:*:* Command=(null) WorkDir=/tmp/with space StdErr=/tmp/with space/t.err StdIn=/dev/null StdOut=/tmp/t.out Power=\n"
        let records = SlurmOutputParsers.scontrol(text)
        #expect(records.count == 1)
        #expect(records.first?.state == BackendJobState(.failed, exitCode: 3, reason: "NonZeroExitCode", raw: "FAILED"))
        #expect(records.first?.standardErrorPath == "/tmp/with space/t.err")
        #expect(records.first?.standardOutputPath == "/tmp/t.out")
    }

    @Test func sbatchParsableOutput() throws {
        #expect(try SlurmOutputParsers.sbatchID("1234\n") == "1234")
        #expect(try SlurmOutputParsers.sbatchID("1235;cluster-a\n") == "1235")
        #expect(throws: BackendError.self) { try SlurmOutputParsers.sbatchID("sbatch: error: Batch job submission failed\n") }
    }

    @Test func timeLimitsRoundUpToWholeMinutes() {
        #expect(SlurmOutputParsers.timeLimit(seconds: 1) == "00:01:00")
        #expect(SlurmOutputParsers.timeLimit(seconds: 61) == "00:02:00")
        #expect(SlurmOutputParsers.timeLimit(seconds: 7200) == "02:00:00")
        #expect(SlurmOutputParsers.timeLimit(seconds: 90_000) == "1-01:00:00")
    }

    @Test func submitArgumentsNameEverythingTheRequestAsks() {
        var configuration = SlurmBackend.Configuration()
        configuration.partition = "short"
        configuration.extraSubmitArguments = ["--constraint=haswell"]
        let request = BackendJobRequest(
            name: "gasp.job-X.p1.a1", script: "true", workingDirectory: "/data/run 1",
            standardOutputPath: "/logs/100%.out", standardErrorPath: "/logs/e.err",
            resources: BackendResources(cores: 4, memoryMB: 2000, wallTimeSeconds: 3600))
        #expect(SlurmBackend(configuration: configuration).submitArguments(for: request) == [
            "--parsable", "--job-name=gasp.job-X.p1.a1", "--chdir=/data/run 1",
            "--output=/logs/100%%.out", "--error=/logs/e.err",
            "--cpus-per-task=4", "--mem=2000M", "--time=01:00:00", "--partition=short", "--constraint=haswell",
        ])
    }

    @Test func onlySlurmShapedIdsAreSentToSlurm() {
        #expect(SlurmBackend.isJobID("1234"))
        #expect(SlurmBackend.isJobID("1234_7"))
        #expect(!SlurmBackend.isJobID("1234.0"))
        #expect(!SlurmBackend.isJobID("20261202T012113.640-9cccdc38"))
        #expect(!SlurmBackend.isJobID(""))
        #expect(!SlurmBackend.isJobID("12_"))
    }

    @Test func accountingDisabledIsRecognised() {
        #expect(SlurmBackend.isAccountingDisabled("Slurm accounting storage is disabled\n"))
        #expect(!SlurmBackend.isAccountingDisabled("sacct: error: Problem talking to the database"))
    }
}
