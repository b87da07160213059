import Foundation

/// Where the `gasp` executable built alongside the tests is.
///
/// `swift build --build-tests` puts it next to the test bundle (`.build/debug/gasp`);
/// `GASP_EXECUTABLE` overrides that.
public func gaspExecutableURL() throws -> URL {
    if let path = ProcessInfo.processInfo.environment["GASP_EXECUTABLE"], !path.isEmpty {
        return URL(fileURLWithPath: path)
    }
    var directory = Bundle.main.bundleURL
    if directory.pathExtension == "xctest" { directory.deleteLastPathComponent() }
    for candidate in [directory, Bundle.main.bundleURL.deletingLastPathComponent(),
                      URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()] {
        let url = candidate.appendingPathComponent("gasp")
        if FileManager.default.isExecutableFile(atPath: url.path) { return url }
    }
    throw TestSupportError("cannot find the gasp executable next to \(Bundle.main.bundleURL.path); build it with `swift build --build-tests` or set GASP_EXECUTABLE")
}

/// The result of a finished child process.
public struct ProcessOutput: Sendable {
    public var status: Int32
    public var standardOutput: String
    public var standardError: String
}

/// Runs a program to completion, collecting its output (no shell involved).
///
/// The blocking reads and the wait happen on a Dispatch queue, never on the Swift concurrency
/// pool, whose few threads an in-process server under test needs.
public func runProcess(_ executable: URL, arguments: [String], environment: [String: String]? = nil) async throws -> ProcessOutput {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            let process = Process()
            process.executableURL = executable
            process.arguments = arguments
            if let environment { process.environment = environment }
            let out = Pipe()
            let err = Pipe()
            process.standardOutput = out
            process.standardError = err
            process.standardInput = FileHandle.nullDevice
            do {
                try process.run()
            } catch {
                continuation.resume(throwing: error)
                return
            }
            // Drain stderr on its own thread so a chatty child never blocks on a full pipe.
            let group = DispatchGroup()
            nonisolated(unsafe) var errData = Data()
            group.enter()
            DispatchQueue.global().async {
                errData = err.fileHandleForReading.readDataToEndOfFile()
                group.leave()
            }
            let outData = out.fileHandleForReading.readDataToEndOfFile()
            group.wait()
            process.waitUntilExit()
            continuation.resume(returning: ProcessOutput(
                status: process.terminationStatus,
                standardOutput: String(decoding: outData, as: UTF8.self),
                standardError: String(decoding: errData, as: UTF8.self)))
        }
    }
}
