import Foundation
import Testing
@testable import Backends

/// The private single-node Slurm the Slurm tests run against, started by
/// `Ops/slurm/start-test-slurm.sh` in a directory of its own (ports derived from this process's
/// pid, so concurrent test runs do not meet) and stopped by `Ops/slurm/stop-test-slurm.sh`.
enum SlurmTestCluster {
    /// Whether Slurm's daemons and commands are installed (Debian `slurm-wlm`, `munge`).
    static let isInstalled: Bool = {
        let places = ["/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/sbin", "/usr/local/bin"]
        return ["slurmctld", "slurmd", "munged", "sbatch", "squeue"].allSatisfy { tool in
            places.contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)") }
        }
    }()

    static let directory = "/tmp/gasp-backends-slurm-\(getpid())"
    static let controllerPort = 30_000 + Int(getpid() % 15_000) * 2

    /// The environment for Slurm commands talking to this cluster.
    static var commandEnvironment: [String: String] { ["SLURM_CONF": "\(directory)/slurm.conf"] }

    static func backend() -> SlurmBackend {
        var configuration = SlurmBackend.Configuration()
        configuration.environment = commandEnvironment
        return SlurmBackend(configuration: configuration)
    }

    static func start() async throws {
        try await script("start-test-slurm.sh", timeout: .seconds(120))
    }

    /// Stops the daemons and removes the directory (kept, with the daemons' logs, when
    /// `GASP_TEST_KEEP_SCRATCH` is set).
    static func stop() async throws {
        try await script("stop-test-slurm.sh", timeout: .seconds(60))
        if ProcessInfo.processInfo.environment["GASP_TEST_KEEP_SCRATCH"] == nil {
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    private static func script(_ name: String, timeout: Duration) async throws {
        let path = SourceTree.repository.appendingPathComponent("Ops/slurm/\(name)").path
        let result = try await ProcessRunner().run(ProcessInvocation(
            "/bin/bash", [path, directory],
            environment: [
                "GASP_TEST_SLURM_CTLD_PORT": String(controllerPort),
                "GASP_TEST_SLURM_SLURMD_PORT": String(controllerPort + 1),
                "PATH": (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin") + ":/usr/sbin:/sbin",
            ],
            timeout: timeout))
        if !result.succeeded {
            throw BackendError(.commandFailed, "\(name) failed: \(result.standardOutput)",
                               command: result.commandLine, standardError: result.standardError, exitStatus: result.status)
        }
    }
}

/// Starts the test Slurm before the suite it is attached to and stops it after, however the
/// suite ends. Does nothing where Slurm is not installed (the suite is then disabled).
struct SlurmClusterTrait: SuiteTrait, TestScoping {
    var isRecursive: Bool { false }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        guard SlurmTestCluster.isInstalled else {
            print("Slurm tests skipped: slurmctld, slurmd, munged, sbatch or squeue is not installed (Debian: slurm-wlm munge; Ops/install-deps.sh)")
            try await function()
            return
        }
        do {
            try await SlurmTestCluster.start()
        } catch {
            try? await SlurmTestCluster.stop()
            throw error
        }
        do {
            try await function()
        } catch {
            try? await SlurmTestCluster.stop()
            throw error
        }
        try await SlurmTestCluster.stop()
    }
}

extension Trait where Self == SlurmClusterTrait {
    /// Runs the suite against a private single-node Slurm started for it.
    static var slurmCluster: Self { SlurmClusterTrait() }
}
