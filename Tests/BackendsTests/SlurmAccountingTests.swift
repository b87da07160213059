import Foundation
import Testing
@testable import Backends

/// The path for jobs squeue has forgotten (older than MinJobAge): `sacct` where accounting is
/// on, nothing where it is off. Stand-in squeue/sacct scripts, since the test Slurm has no
/// slurmdbd.
struct SlurmAccountingTests {
    /// Writes `name` into `bin` as a shell script that logs its arguments and runs `body`.
    func standIn(_ scratch: Scratch, _ name: String, _ body: String) throws {
        let bin = scratch.url.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        let script = "#!/bin/sh\necho \"\(name) $*\" >> \(ShellQuoting.quote(scratch.file("calls")))\n\(body)\n"
        try Data(script.utf8).write(to: bin.appendingPathComponent(name))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: bin.appendingPathComponent(name).path)
    }

    func backend(_ scratch: Scratch) -> SlurmBackend {
        var configuration = SlurmBackend.Configuration()
        let bin = scratch.url.appendingPathComponent("bin").path
        configuration.squeue = "\(bin)/squeue"
        configuration.sacct = "\(bin)/sacct"
        return SlurmBackend(configuration: configuration)
    }

    func calls(_ scratch: Scratch) -> [String] {
        (scratch.read("calls") ?? "").split(separator: "\n").map(String.init)
    }

    @Test func jobsSqueueForgotAreAskedOfSacctInOneCall() async throws {
        let scratch = try Scratch("slurm-sacct")
        defer { scratch.remove() }
        try standIn(scratch, "squeue", "echo '7|RUNNING|0|None|still.running'")
        try standIn(scratch, "sacct", """
            printf '%s\\n' '5|COMPLETED|0:0|00:00:02|old.ok' '6|CANCELLED by 1000|0:15|00:00:00|old.cancelled'
            """)
        let states = try await backend(scratch).status(of: ["5", "6", "7", "8"])
        #expect(states["5"]?.isSuccess == true)
        #expect(states["6"]?.kind == .cancelled)
        #expect(states["6"]?.raw == "CANCELLED by 1000")
        #expect(states["7"]?.kind == .running)
        #expect(states["8"]?.kind == .unknown)
        #expect(calls(scratch) == [
            "squeue -h -t all -j 5,6,7,8 -O \(SlurmOutputParsers.squeueFormat)",
            "sacct -P -n -X -j 5,6,8 -o \(SlurmOutputParsers.sacctFields)",
        ])
    }

    @Test func withoutAccountingSacctIsAskedOnceThenLeftAlone() async throws {
        let scratch = try Scratch("slurm-noacct")
        defer { scratch.remove() }
        try standIn(scratch, "squeue", "echo 'slurm_load_jobs error: Invalid job id specified' >&2; exit 1")
        try standIn(scratch, "sacct", "echo 'Slurm accounting storage is disabled'; exit 1")
        let backend = backend(scratch)
        #expect(try await backend.status(of: ["5"])["5"]?.kind == .unknown)
        #expect(try await backend.status(of: ["6"])["6"]?.kind == .unknown)
        #expect(calls(scratch).filter { $0.hasPrefix("sacct") }.count == 1)
        #expect(calls(scratch).filter { $0.hasPrefix("squeue") }.count == 2)
    }

    @Test func anUnreachableControllerIsAnErrorNotUnknownJobs() async throws {
        let scratch = try Scratch("slurm-down")
        defer { scratch.remove() }
        try standIn(scratch, "squeue", "echo 'slurm_load_jobs error: Unable to contact slurm controller (connect failure)' >&2; exit 1")
        try standIn(scratch, "sacct", "exit 0")
        do {
            _ = try await backend(scratch).status(of: ["5"])
            Issue.record("a failing squeue was taken as an answer")
        } catch {
            #expect(error.code == .commandFailed)
            #expect(error.standardError?.contains("Unable to contact slurm controller") == true)
            #expect(error.command?.hasSuffix("squeue -h -t all -j 5 -O '\(SlurmOutputParsers.squeueFormat)'") == true)
        }
    }
}
