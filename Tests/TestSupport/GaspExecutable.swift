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
public func runProcess(_ executable: URL, arguments: [String], environment: [String: String]? = nil) async throws -> ProcessOutput {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let environment { process.environment = environment }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    // Read both pipes fully before waiting, so a chatty child never blocks on a full pipe.
    async let outData = Task.detached { out.fileHandleForReading.readDataToEndOfFile() }.value
    async let errData = Task.detached { err.fileHandleForReading.readDataToEndOfFile() }.value
    let (o, e) = await (outData, errData)
    process.waitUntilExit()
    return ProcessOutput(
        status: process.terminationStatus,
        standardOutput: String(decoding: o, as: UTF8.self),
        standardError: String(decoding: e, as: UTF8.self))
}
