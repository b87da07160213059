import Foundation

/// A `gasp worker` child process started by a benchmark: its configuration written to a
/// scratch directory, its output discarded, its resource use read from `/proc`.
final class WorkerFleetProcess: @unchecked Sendable {
    // Mutable state is confined to the benchmark task that owns the process.
    let site: String
    let configFile: URL
    let executable: URL
    let environment: [String: String]
    private(set) var process: Process?

    /// A worker for `site`; `yaml` is the whole configuration file.
    init(site: String, yaml: String, directory: URL, executable: URL, environment: [String: String]) throws {
        self.site = site
        self.executable = executable
        self.environment = environment
        configFile = directory.appendingPathComponent("\(site)-\(UUID().uuidString.prefix(6)).yaml")
        try yaml.write(to: configFile, atomically: true, encoding: .utf8)
    }

    /// Starts (or restarts) the process.
    func start() throws {
        let process = Process()
        process.executableURL = executable
        process.arguments = ["worker", "--config", configFile.path, "--log-level", "warning", "--log-format", "json"]
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        self.process = process
    }

    /// Sends `signal` and, for SIGKILL, waits until the process is gone.
    func signal(_ signal: Int32) {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, signal)
        if signal == SIGKILL { process.waitUntilExit() }
    }

    /// Resident memory in bytes (VmRSS), nil when it cannot be read.
    var residentBytes: Int? {
        guard let pid = process?.processIdentifier,
              let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
        else { return nil }
        return kilobytes * 1024
    }

    /// User plus system CPU time so far, in seconds, nil when it cannot be read.
    var cpuSeconds: Double? {
        guard let pid = process?.processIdentifier,
              let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")")
        else { return nil }
        // Fields after the command name: state is field 3; utime and stime are fields 14 and 15.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    deinit {
        if let process, process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: configFile)
    }
}
