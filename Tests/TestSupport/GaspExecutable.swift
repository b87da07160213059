import Backends
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

/// Runs a program to completion, collecting its output (no shell involved): ``ProcessRunner``
/// with no time limit to speak of, and the test's environment when none is given.
public func runProcess(_ executable: URL, arguments: [String], environment: [String: String]? = nil) async throws -> ProcessOutput {
    let runner = ProcessRunner(baseEnvironment: environment ?? ProcessInfo.processInfo.environment)
    let result = try await runner.run(ProcessInvocation(executable.path, arguments, timeout: .seconds(3600)))
    return ProcessOutput(status: result.status, standardOutput: result.standardOutput, standardError: result.standardError)
}
