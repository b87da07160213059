import Foundation
import Testing
@testable import Backends

struct ProcessRunnerTests {
    let runner = ProcessRunner()

    @Test func collectsBothStreamsStatusAndInput() async throws {
        let result = try await runner.run(ProcessInvocation(
            "sh", ["-c", "cat; echo to-err >&2; exit 7"], environment: ["EXTRA": "x"], standardInput: Data("piped\n".utf8)))
        #expect(result.standardOutput == "piped\n")
        #expect(result.standardError == "to-err\n")
        #expect(result.status == 7)
        #expect(!result.succeeded)
        #expect(throws: BackendError.self) { try result.checked() }
        do {
            _ = try result.checked("testing")
        } catch {
            #expect(error.code == .commandFailed)
            #expect(error.exitStatus == 7)
            #expect(error.standardError == "to-err")
            #expect(error.description.contains("sh -c"))
        }
    }

    @Test func largeOutputOnBothStreamsDoesNotDeadlock() async throws {
        let result = try await runner.checked(ProcessInvocation(
            "sh", ["-c", "i=0; while [ $i -lt 3000 ]; do echo line-$i-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; echo err-$i >&2; i=$((i+1)); done"]))
        #expect(result.standardOutput.split(separator: "\n").count == 3000)
        #expect(result.standardError.split(separator: "\n").count == 3000)
    }

    @Test func aMissingCommandIsCommandNotFound() async {
        do {
            _ = try await runner.run(ProcessInvocation("gasp-no-such-command-anywhere"))
            Issue.record("ran a command that does not exist")
        } catch {
            #expect(error.code == .commandNotFound)
        }
    }

    @Test func aCommandPastItsTimeoutIsKilled() async throws {
        let clock = ContinuousClock()
        let start = clock.now
        let result = try await runner.run(ProcessInvocation("sleep", ["30"], timeout: .milliseconds(300)))
        #expect(result.timedOut)
        #expect(clock.now - start < .seconds(20))
        #expect(throws: BackendError.self) { try result.checked() }
    }

    @Test func manyCommandsRunConcurrently() async throws {
        let statuses = try await withThrowingTaskGroup(of: Int32.self) { group in
            for index in 0..<16 {
                group.addTask { try await runner.run(ProcessInvocation("sh", ["-c", "exit \(index)"])).status }
            }
            return try await group.reduce(into: [Int32]()) { $0.append($1) }
        }
        #expect(statuses.sorted() == Array(0..<16))
    }

    @Test func shellQuotingRoundTrips() async throws {
        for text in ["plain", "with space", "it's", "$HOME", "", "a\"b", "semi;colon"] {
            let result = try await runner.checked(ProcessInvocation("sh", ["-c", "printf %s \(ShellQuoting.quote(text))"]))
            #expect(result.standardOutput == text)
        }
    }
}
