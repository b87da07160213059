import Backends
import Foundation
import JSON

/// A `gasp worker` child process for fleet tests: its site configuration written to a
/// temporary directory, its JSON log lines collected in a file the test can read.
public final class WorkerProcess: @unchecked Sendable {
    // Mutable state is confined to the test task that owns the process.
    /// The site name.
    public let site: String
    /// The configuration file.
    public let configFile: URL
    private let logFile: URL
    private var process: ChildProcess?

    /// A worker for `site` on `couch`'s database `database` (not started yet), with the lease
    /// and timing settings of `worker` (the YAML `worker:` section's members, one per line).
    /// `environment` adds variables to the worker's environment (e.g. `GASP_FAILPOINTS`).
    public init(
        site: String, couch: TestCouch, database: String, directory: URL, worker: [String], environment extra: [String: String] = [:]
    ) throws {
        self.site = site
        configFile = directory.appendingPathComponent("\(site).yaml")
        logFile = directory.appendingPathComponent("\(site)-\(UUID().uuidString.prefix(8)).log")
        let yaml = """
            site: \(site)
            couchdb:
              url: \(couch.baseURL.absoluteString)
              database: \(database)
              user: \(couch.adminName)
              password_env: GASP_TEST_WORKER_PASSWORD
            worker:
            \(worker.map { "  " + $0 }.joined(separator: "\n"))

            """
        try yaml.write(to: configFile, atomically: true, encoding: .utf8)
        environment = ProcessInfo.processInfo.environment
        environment["GASP_TEST_WORKER_PASSWORD"] = couch.adminPassword
        for (key, value) in extra { environment[key] = value }
    }

    /// Whether the process is stopped (SIGSTOP, or a fail point that stopped it), from
    /// `/proc/<pid>/stat`.
    public var isStopped: Bool {
        guard pid > 0, let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        return stat[stat.index(close, offsetBy: 2)...].first == "T"
    }

    private var environment: [String: String]

    /// Starts the worker (a new process each time; the log file keeps every run's lines).
    public func start() throws {
        process = try ChildProcess(
            try gaspExecutableURL().path,
            arguments: ["worker", "--config", configFile.path, "--log-format", "json", "--log-level", "info"],
            environment: environment, standardOutput: .appending(logFile.path), standardError: .appending(logFile.path))
    }

    /// The process id of the running worker (0 when not started).
    public var pid: Int32 { process?.pid ?? 0 }

    /// Whether the process is running (a stopped process counts as running).
    public var isRunning: Bool { process?.isRunning ?? false }

    /// Sends `signal` (SIGKILL, SIGSTOP, SIGCONT, SIGTERM…) to the worker.
    public func signal(_ signal: Int32) {
        process?.send(signal)
    }

    /// Waits for the process to exit (up to `timeout` seconds) and returns its status.
    @discardableResult
    public func waitForExit(timeout: Double = 30) async throws -> Int32 {
        guard let process else { return 0 }
        guard let ended = await process.waitForExit(timeout: .seconds(timeout)) else {
            throw TestSupportError("worker \(site) did not exit within \(timeout) s")
        }
        return ended.status
    }

    /// Everything the worker logged so far.
    public var output: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// The worker's JSON log lines so far (lines that are not JSON are skipped).
    public var logLines: [JSONValue] {
        output.split(separator: "\n").compactMap { try? JSONParser.parse(Array($0.utf8)) }
    }

    /// The log lines whose message is `message`.
    public func lines(_ message: String) -> [JSONValue] {
        logLines.filter { $0["message"]?.stringValue == message }
    }

    deinit {
        if let process {
            process.send(SIGCONT)
            process.send(SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: logFile)
        try? FileManager.default.removeItem(at: configFile)
    }
}
