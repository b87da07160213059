import Backends
import Foundation

/// A `gasp worker` started as a child process (by the demo and the benchmarks): its
/// configuration written to a scratch directory, its log lines to a file or nowhere, its
/// resource use read from `/proc`. A process still running when the value goes away is killed.
public final class WorkerChildProcess: @unchecked Sendable {
    // Mutable state is confined to the task that owns the process.
    /// The site name.
    public let site: String
    /// The configuration file.
    public let configFile: URL
    let executable: URL
    let environment: [String: String]
    let logFile: URL?
    let logLevel: String
    private(set) var process: ChildProcess?

    /// A worker for `site` run from `executable`; `yaml` is the whole configuration file, written
    /// into `directory`; its JSON log lines at `logLevel` and above go to `logFile` (appended).
    public init(
        site: String, yaml: String, directory: URL, executable: URL, environment: [String: String],
        logFile: URL? = nil, logLevel: String = "warning"
    ) throws {
        self.site = site
        self.executable = executable
        self.environment = environment
        self.logFile = logFile
        self.logLevel = logLevel
        configFile = directory.appendingPathComponent("\(site)-\(UUID().uuidString.prefix(6)).yaml")
        try yaml.write(to: configFile, atomically: true, encoding: .utf8)
    }

    /// Starts (or restarts) the process.
    public func start() throws {
        let log: ChildProcess.Stream = logFile.map { .appending($0.path) } ?? .null
        process = try ChildProcess(
            executable.path,
            arguments: ["worker", "--config", configFile.path, "--log-level", logLevel, "--log-format", "json"],
            environment: environment, standardError: log)
    }

    /// The process id (0 before it started).
    public var pid: Int32 { process?.pid ?? 0 }

    /// Whether the process runs.
    public var isRunning: Bool { process?.isRunning ?? false }

    /// Waits until the process has exited, at most `timeout`; its exit status, nil if it still runs.
    public func waitForExit(timeout: Duration) async -> Int32? {
        await process?.waitForExit(timeout: timeout)?.status
    }

    /// Sends `signal` and, for SIGKILL, waits until the process is gone.
    public func signal(_ signal: Int32) {
        guard let process, process.isRunning else { return }
        process.send(signal)
        if signal == SIGKILL { process.waitUntilExit() }
    }

    /// Resident memory in bytes (VmRSS), nil when it cannot be read.
    public var residentBytes: Int? {
        guard let pid = process?.pid,
              let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
        else { return nil }
        return kilobytes * 1024
    }

    /// User plus system CPU time so far, in seconds, nil when it cannot be read.
    public var cpuSeconds: Double? {
        guard let pid = process?.pid,
              let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")")
        else { return nil }
        // Fields after the command name: state is field 3; utime and stime are fields 14 and 15.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    deinit {
        process?.send(SIGKILL)
        try? FileManager.default.removeItem(at: configFile)
    }
}
