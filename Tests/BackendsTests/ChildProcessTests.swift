import Foundation
import Testing
@testable import Backends

/// `ChildProcess`: what a started program inherits, and how it is waited for and signalled.
struct ChildProcessTests {
    private let environment = ["PATH": "/usr/bin:/bin"]

    @Test func theChildGetsOnlyItsStandardStreams() async throws {
        // A descriptor this process holds without close-on-exec must not reach the child.
        let leaked = open("/dev/null", O_RDONLY)
        defer { close(leaked) }
        let child = try ChildProcess("/bin/sh", arguments: ["-c", "ls /proc/self/fd"], environment: environment, standardOutput: .pipe)
        let listed = String(decoding: child.readOutputToEnd(), as: UTF8.self).split(separator: "\n")
        child.waitUntilExit()
        // 0, 1, 2, and the directory `ls` has open while it lists.
        #expect(!listed.contains(Substring("\(leaked)")))
        #expect(listed.count <= 4)
    }

    @Test func ignoredSignalsAreNotInherited() async throws {
        let previous = signal(SIGUSR2, SIG_IGN)
        defer { signal(SIGUSR2, previous) }
        let child = try ChildProcess("/bin/sh", arguments: ["-c", "grep SigIgn /proc/self/status"], environment: environment, standardOutput: .pipe)
        let line = String(decoding: child.readOutputToEnd(), as: UTF8.self)
        child.waitUntilExit()
        let mask = UInt64(line.split(separator: "\t").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "", radix: 16)
        #expect(mask.map { $0 & (1 << (UInt64(SIGUSR2) - 1)) == 0 } == true, "SigIgn: \(line)")
    }

    @Test func aSignalledChildReportsTheSignalAndIsNotSignalledOnceReaped() async throws {
        let child = try ChildProcess("/bin/sleep", arguments: ["30"], environment: environment)
        #expect(child.isRunning)
        child.send(SIGTERM)
        let ended = await child.waitForExit(timeout: .seconds(10))
        #expect(ended == ChildProcess.Termination(status: SIGTERM, bySignal: true))
        #expect(!child.isRunning)
        child.send(SIGKILL)  // reaped: nothing is sent, nothing fails
        #expect(child.poll() == ended)
    }

    @Test func outputGoesToAFileAppended() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("gasp-child-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: file) }
        for word in ["one", "two"] {
            let child = try ChildProcess("/bin/sh", arguments: ["-c", "echo \(word); echo \(word)-err >&2"], environment: environment,
                                         standardOutput: .appending(file.path), standardError: .appending(file.path))
            #expect(child.waitUntilExit() == ChildProcess.Termination(status: 0, bySignal: false))
        }
        #expect(try String(contentsOf: file, encoding: .utf8) == "one\none-err\ntwo\ntwo-err\n")
    }

    @Test func aProgramThatCannotStartIsAnIOErrorNamingIt() {
        #expect {
            _ = try ChildProcess("/nonexistent/gasp-program", arguments: [], environment: environment)
        } throws: { error in
            (error as? BackendError)?.code == .io && "\(error)".contains("/nonexistent/gasp-program")
        }
    }

    @Test func aMissingWorkingDirectoryIsAnError() async throws {
        // glibc reports a failed chdir as the spawn's error, so nothing runs.
        #expect(throws: BackendError.self) {
            _ = try ChildProcess("/bin/true", arguments: [], environment: environment, workingDirectory: "/nonexistent/gasp-dir")
        }
    }
}
