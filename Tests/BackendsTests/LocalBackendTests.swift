import Foundation
import Testing
@testable import Backends

struct LocalBackendTests {
    func finished(_ backend: some BatchBackend, _ id: BackendJobID, within timeout: Duration = .seconds(30)) async throws -> BackendJobState {
        try await poll(timeout: timeout, "local job \(id) to finish") {
            try await backend.status(of: id)
        } until: { $0.isFinished }
    }

    @Test func aJobRunsWritesItsFilesAndReportsItsExitCodeAndCPU() async throws {
        let scratch = try Scratch("local-ok")
        defer { scratch.remove() }
        let backend = try LocalBackend(stateDirectory: scratch.url.appendingPathComponent("state"))
        let request = scratch.request("gasp.local-ok.a1", """
            echo "hello $WHO" > marker
            pwd
            echo warning >&2
            i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done
            """, environment: ["WHO": "it's me"])
        let id = try await backend.submit(request)
        let state = try await finished(backend, id)
        #expect(state == BackendJobState(.completed, exitCode: 0, raw: "exit 0"))
        #expect(scratch.read("marker") == "hello it's me\n")
        let outputs = try await backend.outputs(of: id)
        #expect(outputs.standardOutputTail == scratch.path + "\n")
        #expect(outputs.standardErrorTail == "warning\n")
        #expect(outputs.exitCode == 0)
        #expect((outputs.cpuSeconds ?? -1) >= 0)
    }

    @Test func jobsDoNotGetTheWorkersSecrets() async throws {
        let scratch = try Scratch("local-secrets")
        defer { scratch.remove() }
        var environment = ProcessInfo.processInfo.environment
        environment["GASP_COUCHDB_PASSWORD"] = "hunter2"
        environment["GASP_SITE_LABEL"] = "visible"
        let backend = try LocalBackend(stateDirectory: scratch.url.appendingPathComponent("state"),
                                       runner: ProcessRunner(baseEnvironment: environment))
        let id = try await backend.submit(scratch.request(
            "gasp.local-secrets.a1", "echo \"${GASP_COUCHDB_PASSWORD:-withheld} $GASP_SITE_LABEL $ASKED\"",
            environment: ["ASKED": "given"]))
        #expect(try await finished(backend, id).isSuccess)
        #expect(try await backend.outputs(of: id).standardOutputTail == "withheld visible given\n")
    }

    @Test func aNonZeroExitIsAFailureWithTheCode() async throws {
        let scratch = try Scratch("local-exit3")
        defer { scratch.remove() }
        let backend = try LocalBackend(stateDirectory: scratch.url.appendingPathComponent("state"))
        let id = try await backend.submit(scratch.request("gasp.local-exit3.a1", "exit 3"))
        let state = try await finished(backend, id)
        #expect(state.kind == .failed)
        #expect(state.exitCode == 3)
        #expect(state.reason == "exit code 3")
    }

    @Test func jobsRunDetachedAndANewBackendOnTheSameDirectoryRecoversThem() async throws {
        let scratch = try Scratch("local-detached")
        defer { scratch.remove() }
        let state = scratch.url.appendingPathComponent("state")
        let first = try LocalBackend(stateDirectory: state)
        let id = try await first.submit(scratch.request("gasp.local-detached.a1", "sleep 30"))
        let folder = LocalJobFolder(stateDirectory: state, id: id)
        let pid = try await poll(timeout: .seconds(10), "the wrapper's pid") { folder.pid } until: { $0 != nil }!
        // Its own session and process group, and not our child: it outlives this process.
        #expect(getsid(pid) == pid)
        #expect(getpgid(pid) == pid)
        #expect(getsid(pid) != getsid(0))
        #expect(Self.parentPID(of: pid) != getpid())

        // A restarted worker: a new backend, the same directory.
        let second = try LocalBackend(stateDirectory: state)
        #expect(try await second.status(of: id).kind == .running)
        #expect(try await second.find(named: "gasp.local-detached.a1") == id)
        try await second.cancel([id])
        #expect(try await finished(second, id).kind == .cancelled)
        #expect(try await first.status(of: id).kind == .cancelled)
        #expect(kill(pid, 0) != 0 || Self.parentPID(of: pid) == nil)
    }

    @Test func aJobKilledWithoutAnExitCodeIsLost() async throws {
        let scratch = try Scratch("local-lost")
        defer { scratch.remove() }
        let state = scratch.url.appendingPathComponent("state")
        let backend = try LocalBackend(stateDirectory: state)
        let id = try await backend.submit(scratch.request("gasp.local-lost.a1", "sleep 30"))
        let folder = LocalJobFolder(stateDirectory: state, id: id)
        let pid = try await poll(timeout: .seconds(10), "the wrapper's pid") { folder.pid } until: { $0 != nil }!
        try await poll(timeout: .seconds(10), "the job to run") { try await backend.status(of: id).kind } until: { $0 == .running }
        kill(-pid, SIGKILL)
        let lost = try await finished(backend, id)
        #expect(lost.kind == .failed)
        #expect(lost.exitCode == nil)
        #expect(lost.reason?.hasPrefix("lost") == true)
    }

    @Test func aJobThatNeverStartedFailsAfterTheGrace() async throws {
        let scratch = try Scratch("local-never")
        defer { scratch.remove() }
        // `false` in place of setsid: the launch "succeeds" (it is in the background) but nothing runs.
        let backend = try LocalBackend(stateDirectory: scratch.url.appendingPathComponent("state"),
                                       setsid: "/bin/false", startGrace: .milliseconds(300))
        let id = try await backend.submit(scratch.request("gasp.local-never.a1", "true"))
        let state = try await finished(backend, id, within: .seconds(10))
        #expect(state.kind == .failed)
        #expect(state.reason?.contains("never started") == true)
    }

    @Test func cancellingStopsTheJobAndItsChildren() async throws {
        let scratch = try Scratch("local-cancel")
        defer { scratch.remove() }
        let backend = try LocalBackend(stateDirectory: scratch.url.appendingPathComponent("state"))
        let id = try await backend.submit(scratch.request("gasp.local-cancel.a1", "sleep 60 & echo $! > child; wait"))
        let child = try await poll(timeout: .seconds(10), "the child's pid") {
            scratch.read("child").flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        } until: { $0 != nil }!
        try await backend.cancel([id])
        let state = try await finished(backend, id)
        #expect(state.kind == .cancelled)
        try await poll(timeout: .seconds(10), "the child to be gone") { Self.parentPID(of: child) } until: { $0 == nil }
        try await backend.cancel([id]) // again: not an error
    }

    @Test func aWallTimeStopsTheJob() async throws {
        let scratch = try Scratch("local-wall")
        defer { scratch.remove() }
        let backend = try LocalBackend(stateDirectory: scratch.url.appendingPathComponent("state"))
        let id = try await backend.submit(scratch.request("gasp.local-wall.a1", "sleep 30",
                                                          resources: BackendResources(wallTimeSeconds: 1)))
        let state = try await finished(backend, id, within: .seconds(15))
        #expect(state.kind == .timedOut)
        #expect(state.exitCode == 124)
    }

    @Test func capacityBoundsUnfinishedJobs() async throws {
        let scratch = try Scratch("local-capacity")
        defer { scratch.remove() }
        let backend = try LocalBackend(stateDirectory: scratch.url.appendingPathComponent("state"), capacity: 2)
        let a = try await backend.submit(scratch.request("gasp.cap.a", "sleep 30"))
        let b = try await backend.submit(scratch.request("gasp.cap.b", "sleep 30"))
        #expect(try await backend.freeSlots() == 0)
        await #expect(throws: BackendError.self) { try await backend.submit(scratch.request("gasp.cap.c", "true")) }
        try await backend.cancel([a])
        _ = try await finished(backend, a)
        #expect(try await backend.freeSlots() == 1)
        let c = try await backend.submit(scratch.request("gasp.cap.c", "true"))
        try await backend.cancel([b])
        _ = try await finished(backend, b)
        _ = try await finished(backend, c)
        #expect(try backend.submissionLog.entries().map(\.name) == ["gasp.cap.a", "gasp.cap.b", "gasp.cap.c"])
    }

    @Test func concurrentSubmissionsAreAllRecordedOnce() async throws {
        let scratch = try Scratch("local-concurrent")
        defer { scratch.remove() }
        let backend = try LocalBackend(stateDirectory: scratch.url.appendingPathComponent("state"))
        let names = (0..<12).map { "gasp.job-Processing-00000\($0).p1.a1" }
        let ids = try await withThrowingTaskGroup(of: BackendJobID.self) { group in
            for name in names {
                group.addTask { try await backend.submit(scratch.request(name, "echo \(name)")) }
            }
            return try await group.reduce(into: [BackendJobID]()) { $0.append($1) }
        }
        #expect(Set(ids).count == names.count)
        let states = try await poll(timeout: .seconds(30), "all jobs to finish") {
            try await backend.status(of: ids)
        } until: { $0.values.allSatisfy(\.isFinished) }
        #expect(states.values.allSatisfy { $0.isSuccess })
        let log = try backend.submissionLog.entries()
        #expect(Set(log.map(\.name)) == Set(names))
        #expect(Set(log.map(\.id)) == Set(ids))
        #expect(try backend.submissionLog.duplicateNames().isEmpty)
        let found = try await backend.find(namePrefix: "gasp.job-Processing-")
        #expect(found.count == names.count)
        #expect(found.allSatisfy { $0.state?.isSuccess == true })
        // Finished folders can be pruned; nothing is left to find afterwards.
        #expect(try await backend.removeFinished(before: Date().addingTimeInterval(-3600)).isEmpty)
        #expect(Set(try await backend.removeFinished(before: Date().addingTimeInterval(5))) == Set(ids))
        #expect(try await backend.find(namePrefix: "gasp.job-Processing-").isEmpty)
    }

    @Test func unknownIdsAreUnknownAndOutputsOfThemAreNotFound() async throws {
        let scratch = try Scratch("local-unknown")
        defer { scratch.remove() }
        let backend = try LocalBackend(stateDirectory: scratch.url.appendingPathComponent("state"))
        #expect(try await backend.status(of: ["nope"])["nope"]?.kind == .unknown)
        #expect(try await backend.find(named: "nothing") == nil)
        await #expect(throws: BackendError.self) { try await backend.outputs(of: "nope") }
    }

    @Test func invalidRequestsAreRefusedBeforeAnythingIsWritten() async throws {
        let scratch = try Scratch("local-invalid")
        defer { scratch.remove() }
        let backend = try LocalBackend(stateDirectory: scratch.url.appendingPathComponent("state"))
        for bad in [scratch.request("has space", "true"), scratch.request("a,b", "true"), scratch.request("ok", ""),
                    scratch.request("ok", "true", environment: ["1BAD": "x"])] {
            do {
                _ = try await backend.submit(bad)
                Issue.record("\(bad.name) was accepted")
            } catch {
                #expect(error.code == .invalidRequest)
            }
        }
        #expect(try backend.submissionLog.entries().isEmpty)
    }

    /// The parent pid from /proc, or nil when the process is gone (or a zombie).
    static func parentPID(of pid: pid_t) -> pid_t? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 1, fields[0] != "Z" else { return nil }
        return pid_t(fields[1])
    }
}
