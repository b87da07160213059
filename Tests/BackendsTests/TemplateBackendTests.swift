import Foundation
import Testing
@testable import Backends

/// The PBS, SGE and LSF presets against stand-in commands printing those systems' formats.
struct TemplateBackendTests {
    func backend(_ kind: String, _ scratch: Scratch, commands: [String: String], run: Bool) throws -> (TemplateBackend, StandInCommands) {
        let standIns = try StandInCommands(scratch, commands: commands)
        return (try TemplateBackend(kind: kind, template: TemplatePresets.preset(kind)!, runner: standIns.runner(run: run)), standIns)
    }

    static let pbs = ["qsub": "pbs-qsub", "qstat": "pbs-qstat", "qdel": "pbs-qdel"]
    static let sge = ["qsub": "sge-qsub", "qstat": "sge-qstat", "qdel": "sge-qdel"]
    static let lsf = ["bsub": "bsub", "bjobs": "bjobs", "bkill": "bkill"]

    @Test func pbsSubmitStatusFindAndCancel() async throws {
        let scratch = try Scratch("pbs")
        defer { scratch.remove() }
        let (ran, standIns) = try backend("pbs", scratch, commands: Self.pbs, run: true)
        let ok = try await ran.submit(scratch.request("gasp.pbs.ok", "pwd > where", resources: BackendResources(cores: 2, wallTimeSeconds: 3700)))
        let bad = try await ran.submit(scratch.request("gasp.pbs.bad", "exit 3"))
        #expect(ok == "100.fakepbs")
        #expect(scratch.read("where") == scratch.path + "\n") // the script changed directory itself
        let submit = try standIns.calls().first!
        #expect(submit == ["pbs-qsub", "-N", "gasp.pbs.ok", "-o", scratch.file("gasp.pbs.ok.out"), "-e", scratch.file("gasp.pbs.ok.err"),
                           "-l", "ncpus=2", "-l", "walltime=01:01:40", scratch.file("gasp.pbs.ok.sh")])

        let queuedBackend = try TemplateBackend(kind: "pbs", template: TemplatePresets.pbs, runner: standIns.runner(run: false))
        let queued = try await queuedBackend.submit(scratch.request("gasp.pbs.queued", "true"))
        let states = try await ran.status(of: [ok, bad, queued, "77.fakepbs"])
        #expect(states[ok] == BackendJobState(.completed, exitCode: 0, raw: "F"))
        #expect(states[bad]?.kind == .failed)
        #expect(states[bad]?.exitCode == 3)
        #expect(states[queued] == BackendJobState(.queued, raw: "Q"))
        #expect(states["77.fakepbs"]?.kind == .unknown)
        #expect(try standIns.calls().filter { $0[0] == "pbs-qstat" }.count == 1)

        #expect(try await ran.find(named: "gasp.pbs.bad") == bad)
        #expect(try await ran.find(namePrefix: "gasp.pbs.").map(\.id) == [ok, bad, queued])
        try await ran.cancel([queued])
        #expect(try await ran.status(of: queued).isFinished)
        let outputs = try await ran.outputs(of: bad, files: BackendOutputFiles(scratch.request("gasp.pbs.bad", "")), tailBytes: 100)
        #expect(outputs.exitCode == 3)
    }

    @Test func sgeSubmitStatusAndFind() async throws {
        let scratch = try Scratch("sge")
        defer { scratch.remove() }
        let (backend, standIns) = try backend("sge", scratch, commands: Self.sge, run: false)
        let a = try await backend.submit(scratch.request("gasp.job-Processing-0000012345.p1.a1", "true",
                                                         resources: BackendResources(memoryMB: 512)))
        let b = try await backend.submit(scratch.request("gasp.job-Processing-0000012346.p1.a1", "true"))
        #expect(a == "100")
        #expect(try standIns.calls().first?.contains("h_vmem=512M") == true)
        try standIns.edit(job: b.rawValue) { $0["state"] = "r" }
        let states = try await backend.status(of: [a, b, "5"])
        #expect(states[a] == BackendJobState(.queued, raw: "qw"))
        #expect(states[b] == BackendJobState(.running, raw: "r"))
        #expect(states["5"]?.kind == .unknown)
        // qstat truncates names to 10 characters; find uses qstat -j, which has them whole.
        #expect(try await backend.find(named: "gasp.job-Processing-0000012346.p1.a1") == b)
        #expect(try await backend.find(namePrefix: "gasp.job-Processing-").map(\.id) == [a, b])
        #expect(try await backend.find(named: "gasp.nothing") == nil)
        try await backend.cancel([a])
        #expect(try await backend.status(of: a).kind == .unknown)
        try await backend.cancel([a]) // already gone: not an error
    }

    @Test func lsfSubmitStatusFindAndCancel() async throws {
        let scratch = try Scratch("lsf")
        defer { scratch.remove() }
        let (ran, standIns) = try backend("lsf", scratch, commands: Self.lsf, run: true)
        let ok = try await ran.submit(scratch.request("gasp.lsf.ok", "echo \"$X\"", resources: BackendResources(memoryMB: 100, wallTimeSeconds: 61),
                                                      environment: ["X": "from stdin"]))
        let bad = try await ran.submit(scratch.request("gasp.lsf.bad", "exit 4"))
        #expect(ok == "100")
        #expect(scratch.read("gasp.lsf.ok.out") == "from stdin\n")
        #expect(try standIns.calls().first == ["bsub", "-J", "gasp.lsf.ok", "-cwd", scratch.path, "-oo", scratch.file("gasp.lsf.ok.out"),
                                                "-eo", scratch.file("gasp.lsf.ok.err"), "-M", "100MB", "-W", "2"])
        let queuedBackend = try TemplateBackend(kind: "lsf", template: TemplatePresets.lsf, runner: standIns.runner(run: false))
        let pending = try await queuedBackend.submit(scratch.request("gasp.lsf.pending", "true"))
        let states = try await ran.status(of: [ok, bad, pending, "4242"])
        #expect(states[ok] == BackendJobState(.completed, raw: "DONE"))
        #expect(states[bad] == BackendJobState(.failed, exitCode: 4, reason: "exit code 4", raw: "EXIT"))
        #expect(states[pending] == BackendJobState(.queued, raw: "PEND"))
        #expect(states["4242"]?.kind == .unknown)
        #expect(try await ran.find(namePrefix: "gasp.lsf.").map(\.name) == ["gasp.lsf.ok", "gasp.lsf.bad", "gasp.lsf.pending"])
        #expect(try await ran.find(named: "gasp.lsf.pending") == pending)
        try await ran.cancel([pending])
        #expect(try await ran.status(of: pending).kind == .failed)
        try await ran.cancel([ok]) // finished: not an error
    }

    @Test func argumentGroupsWithUnsetPlaceholdersAreLeftOut() {
        let arguments = TemplateText.expand(
            [["qsub"], ["-N", "{name}"], ["-l", "walltime={walltime}"], ["{ids}"], ["-j", "{ids_comma}"]],
            values: ["name": "n"], ids: ["1", "2"])
        #expect(arguments == ["qsub", "-N", "n", "1", "2", "-j", "1,2"])
        #expect(TemplateText.expand([["qdel"], ["{ids}"]], values: [:]) == ["qdel"])
    }

    @Test func recordedPBSOutputParses() throws {
        let backend = try TemplateBackend(kind: "pbs", template: TemplatePresets.pbs)
        let text = """
            Job_Id=12.srv|Job_Name=a|job_state=R|queue=workq
            Job_Id=13.srv|Job_Name=b|job_state=F|Exit_status=0
            Job_Id=14.srv|Job_Name=c|job_state=F|Exit_status=271|comment=Job run at Mon and terminated
            Job_Id=15.srv|Job_Name=d|job_state=H
            Job_Id=16.srv|Job_Name=e|job_state=Z
            """
        let jobs = try backend.parse(text, TemplatePresets.pbs.status)
        #expect(jobs.map(\.state.kind) == [.running, .completed, .failed, .held, .other])
        #expect(jobs[2].state.reason == "Job run at Mon and terminated")
        #expect(jobs[2].state.exitCode == 271)
    }

    @Test func templatesWithBrokenPatternsAreRejected() {
        var template = TemplatePresets.lsf
        template.submittedIDPattern = "Job <\\d+>"
        #expect(throws: BackendError.self) { try TemplateBackend(kind: "lsf", template: template) }
        template.submittedIDPattern = "(unclosed"
        #expect(throws: BackendError.self) { try TemplateBackend(kind: "lsf", template: template) }
    }
}
