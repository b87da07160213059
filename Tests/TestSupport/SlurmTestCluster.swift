import Backends
import Foundation
import Testing

/// The private single-node Slurm the Slurm tests run against, started by
/// `Ops/slurm/start-test-slurm.sh` in a directory of its own (ports derived from this process's
/// pid, so concurrent test runs do not meet) and stopped by `Ops/slurm/stop-test-slurm.sh`.
///
/// Every suite in the process that uses it shares one cluster: the first to need it starts it,
/// the last to finish stops it (see ``SlurmClusterTrait``), so suites running in parallel never
/// start two clusters on the same ports.
public enum SlurmTestCluster {
    /// Whether Slurm's daemons and commands are installed (Debian `slurm-wlm`, `munge`).
    public static let isInstalled: Bool = {
        let places = ["/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/sbin", "/usr/local/bin"]
        return ["slurmctld", "slurmd", "munged", "sbatch", "squeue"].allSatisfy { tool in
            places.contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)") }
        }
    }()

    public static let directory = "/tmp/gasp-backends-slurm-\(getpid())"
    public static let controllerPort = 30_000 + Int(getpid() % 15_000) * 2

    /// The environment for Slurm commands talking to this cluster.
    public static var commandEnvironment: [String: String] { ["SLURM_CONF": "\(directory)/slurm.conf"] }

    /// A backend submitting to this cluster.
    public static func backend() -> SlurmBackend {
        var configuration = SlurmBackend.Configuration()
        configuration.environment = commandEnvironment
        return SlurmBackend(configuration: configuration)
    }

    /// The name of every job Slurm still knows (`squeue -h -t all -o %j`), finished ones included.
    public static func jobNames() async throws -> [String] {
        let result = try await ProcessRunner().run(ProcessInvocation(
            "squeue", ["-h", "-t", "all", "-o", "%j"], environment: commandEnvironment, timeout: .seconds(30)))
        guard result.succeeded else {
            throw BackendError(.commandFailed, "squeue failed", command: result.commandLine,
                               standardError: result.standardError, exitStatus: result.status)
        }
        return result.standardOutput.split(separator: "\n").map { String($0).trimmingCharacters(in: .whitespaces) }
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

    /// The repository root (this file is `Tests/TestSupport/SlurmTestCluster.swift`).
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    private static func script(_ name: String, timeout: Duration) async throws {
        let path = repository.appendingPathComponent("Ops/slurm/\(name)").path
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

    /// The process's one cluster, counted by the suites using it.
    static let shared = SharedCluster()
}

/// Starts the cluster for its first user and stops it when its last user is done. A start or
/// stop in progress is waited for, never overlapped: acquire during a stop waits for the stop,
/// then starts again.
actor SharedCluster {
    private enum State {
        case stopped
        case starting(Task<Void, any Error>)
        case up
        case stopping(Task<Void, Never>)
    }

    private var state = State.stopped
    private var users = 0

    func acquire() async throws {
        while true {
            switch state {
            case .stopping(let stop):
                await stop.value
            case .stopped:
                state = .starting(Task {
                    do {
                        try await SlurmTestCluster.start()
                    } catch {
                        try? await SlurmTestCluster.stop()
                        throw error
                    }
                })
            case .starting(let start):
                users += 1
                do {
                    try await start.value
                } catch {
                    users -= 1
                    if case .starting(let current) = state, current == start { state = .stopped }
                    throw error
                }
                if case .starting(let current) = state, current == start { state = .up }
                return
            case .up:
                users += 1
                return
            }
        }
    }

    func release() async {
        users -= 1
        guard users == 0, case .up = state else { return }
        let stop = Task<Void, Never> { try? await SlurmTestCluster.stop() }
        state = .stopping(stop)
        await stop.value
        if case .stopping(let current) = state, current == stop { state = .stopped }
    }
}

/// Gives the suite it is attached to the process's test Slurm, started for the first such suite
/// and stopped after the last, however the suites end. Does nothing where Slurm is not installed
/// (the suite is then disabled).
public struct SlurmClusterTrait: SuiteTrait, TestScoping {
    public var isRecursive: Bool { false }

    public func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        guard SlurmTestCluster.isInstalled else {
            print("Slurm tests skipped: slurmctld, slurmd, munged, sbatch or squeue is not installed (Debian: slurm-wlm munge; Ops/install-deps.sh)")
            try await function()
            return
        }
        try await SlurmTestCluster.shared.acquire()
        do {
            try await function()
        } catch {
            await SlurmTestCluster.shared.release()
            throw error
        }
        await SlurmTestCluster.shared.release()
    }
}

extension Trait where Self == SlurmClusterTrait {
    /// Runs the suite against the process's private single-node Slurm.
    public static var slurmCluster: Self { SlurmClusterTrait() }
}
