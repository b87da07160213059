import Foundation
import Testing
@testable import Backends

/// A fresh directory under the system's temporary directory, removed by `remove()`.
struct Scratch {
    let url: URL

    init(_ label: String) throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("gasp-backends-\(label)-\(UUID().uuidString.prefix(8))", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    var path: String { url.path }

    func file(_ name: String) -> String { url.appendingPathComponent(name).path }

    func read(_ name: String) -> String? {
        FileManager.default.contents(atPath: file(name)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Removes the directory (kept when `GASP_TEST_KEEP_SCRATCH` is set, for a look afterwards).
    func remove() {
        guard ProcessInfo.processInfo.environment["GASP_TEST_KEEP_SCRATCH"] == nil else { return }
        try? FileManager.default.removeItem(at: url)
    }

    /// A request whose outputs go to `<name>.out` / `<name>.err` here.
    func request(_ name: String, _ script: String, resources: BackendResources = BackendResources(),
                 environment: [String: String] = [:]) -> BackendJobRequest {
        BackendJobRequest(name: name, script: script, workingDirectory: path,
                          standardOutputPath: file("\(name).out"), standardErrorPath: file("\(name).err"),
                          resources: resources, environment: environment)
    }
}

/// Where this test target's sources are, and the repository root.
enum SourceTree {
    static let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    static let repository = testsDirectory.deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = testsDirectory.appendingPathComponent("Fixtures")
}

/// Polls `condition` until it holds or `timeout` passes; returns the last value seen.
@discardableResult
func poll<T: Sendable>(
    timeout: Duration, every interval: Duration = .milliseconds(100),
    _ what: String, sourceLocation: SourceLocation = #_sourceLocation,
    _ value: () async throws -> T, until condition: (T) -> Bool
) async throws -> T {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    var last = try await value()
    while !condition(last) {
        if clock.now >= deadline {
            Issue.record("timed out after \(timeout) waiting for \(what); last value: \(last)", sourceLocation: sourceLocation)
            return last
        }
        try await Task.sleep(for: interval)
        last = try await value()
    }
    return last
}
