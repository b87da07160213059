import Backends
import Foundation

/// A `gasp serve` child process on a loopback port, for tests that must kill a real server.
public final class ServeProcess: @unchecked Sendable {
    // Mutable state is confined to the test task that owns the process.
    public let dataDirectory: URL
    public private(set) var port: Int = 0
    private var process: ChildProcess?
    private let logFile: URL

    /// A server over `dataDirectory` (not started yet).
    public init(dataDirectory: URL) {
        self.dataDirectory = dataDirectory
        self.logFile = dataDirectory.deletingLastPathComponent()
            .appendingPathComponent("\(dataDirectory.lastPathComponent)-serve-\(UUID().uuidString).log")
    }

    /// The server URL with the test admin's credentials.
    public var adminURL: URL { URL(string: "http://\(testAdminName):\(testAdminPassword)@127.0.0.1:\(port)")! }

    /// Starts the server on `port` (0: a free one) and waits (up to `timeout` seconds) until it
    /// listens. Call it again after the process exited to restart it, e.g. on the same ``port``.
    public func start(timeout: Double = 30, port requested: Int = 0) async throws {
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        var environment = ProcessInfo.processInfo.environment
        environment["GASP_ADMIN_NAME"] = testAdminName
        environment["GASP_ADMIN_PASSWORD"] = testAdminPassword
        let process = try ChildProcess(
            try gaspExecutableURL().path, arguments: ["serve", "--data", dataDirectory.path, "--port", "\(requested)"],
            environment: environment, standardOutput: .appending(logFile.path), standardError: .appending(logFile.path))
        self.process = process
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let text = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
            if let port = Self.listeningPort(in: text) {
                self.port = port
                return
            }
            if let ended = process.poll() {
                throw TestSupportError("gasp serve exited with \(ended.status) before listening:\n\(text)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        process.send(SIGTERM)
        throw TestSupportError("gasp serve did not report a listening port within \(timeout) s")
    }

    /// Sends `signal` to the server process.
    public func kill(_ signal: Int32) {
        process?.send(signal)
    }

    /// Waits for the process to exit (up to `timeout` seconds) and returns its status.
    @discardableResult
    public func waitForExit(timeout: Double = 30) async throws -> Int32 {
        guard let process else { return 0 }
        guard let ended = await process.waitForExit(timeout: .seconds(timeout)) else {
            throw TestSupportError("gasp serve did not exit within \(timeout) s")
        }
        return ended.status
    }

    /// What the server printed so far.
    public var output: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// The port in the server's "listening on http://HOST:PORT" line.
    static func listeningPort(in text: String) -> Int? {
        guard let range = text.range(of: "listening on http://") else { return nil }
        let rest = text[range.upperBound...]
        guard let colon = rest.firstIndex(of: ":") else { return nil }
        let digits = rest[rest.index(after: colon)...].prefix { $0.isNumber }
        return Int(digits)
    }

    deinit {
        process?.send(SIGTERM)
        try? FileManager.default.removeItem(at: logFile)
    }
}
