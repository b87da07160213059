import Foundation
import Glibc
import Synchronization

/// A program started with `posix_spawn`, every child gasp starts: batch commands, detached
/// jobs, workers of the demo and the benchmarks.
///
/// Foundation's `Process` is not used because its `run()` crashed when several threads of one
/// process started programs at once. Here the child starts with default signal dispositions and
/// an empty signal mask (a worker ignores SIGTERM to watch it with Dispatch; its jobs must not
/// inherit that), and with no descriptor but its three standard streams. Descriptors this side
/// keeps are close-on-exec, so a program started by another thread never holds them open. The
/// child is reaped exactly once, and ``send(_:)`` never signals a reaped (possibly reused) pid.
public final class ChildProcess: Sendable {
    /// Where one of the child's standard streams goes.
    public enum Stream: Sendable, Equatable {
        /// `/dev/null`.
        case null
        /// A connection to this process: read with ``readOutputToEnd()`` or
        /// ``readErrorToEnd()``, written with ``writeInputAndClose(_:)``. It is a socket, so a
        /// write to a child that has gone fails instead of raising SIGPIPE.
        case pipe
        /// A file, created if missing, appended to.
        case appending(String)
    }

    /// How the child ended.
    public struct Termination: Sendable, Hashable {
        /// The exit status, or the signal number when ``bySignal``.
        public var status: Int32
        /// Whether a signal ended the child.
        public var bySignal: Bool

        /// Decodes a `waitpid` status (`WIFEXITED`, `WEXITSTATUS`, `WTERMSIG`).
        init(waitStatus: Int32) {
            if waitStatus & 0x7f == 0 {
                self = Termination(status: (waitStatus >> 8) & 0xff, bySignal: false)
            } else {
                self = Termination(status: waitStatus & 0x7f, bySignal: true)
            }
        }

        public init(status: Int32, bySignal: Bool) {
            self.status = status
            self.bySignal = bySignal
        }
    }

    private enum Slot: Int { case input, output, error }

    /// The child's process id.
    public let pid: pid_t
    private let descriptors: Mutex<[Slot: Int32]>
    private let termination = Mutex<Termination?>(nil)

    /// Starts `executable` (a path; no `PATH` search) with `arguments` (not including the
    /// program name) and exactly `environment`, in `workingDirectory` when given.
    public init(
        _ executable: String, arguments: [String], environment: [String: String], workingDirectory: String? = nil,
        standardInput: Stream = .null, standardOutput: Stream = .null, standardError: Stream = .null
    ) throws(BackendError) {
        var spawn = SpawnSetup()
        defer { spawn.destroy() }
        var kept: [Slot: Int32] = [:]
        do {
            for (slot, stream) in [(Slot.input, standardInput), (.output, standardOutput), (.error, standardError)] {
                if let fd = try spawn.connect(Int32(slot.rawValue), to: stream, forInput: slot == .input) { kept[slot] = fd }
            }
            if let workingDirectory { try spawn.changeDirectory(to: workingDirectory) }
            pid = try spawn.run(executable, arguments: arguments, environment: environment)
        } catch {
            for fd in kept.values { close(fd) }
            throw BackendError(.io, "cannot start \(executable): \(error.message)")
        }
        descriptors = Mutex(kept)
    }

    /// Whether the child has not exited yet (a stopped child counts as running).
    public var isRunning: Bool { poll() == nil }

    /// How the child ended, reaping it if it has just exited; nil while it runs.
    public func poll() -> Termination? {
        termination.withLock { termination in
            if let termination { return termination }
            var status: Int32 = 0
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid {
                termination = Termination(waitStatus: status)
            } else if reaped == -1 && errno == ECHILD {
                termination = Termination(status: -1, bySignal: false)
            }
            return termination
        }
    }

    /// Blocks the calling thread until the child has exited. Call it from a Dispatch thread,
    /// never from a task.
    @discardableResult
    public func waitUntilExit() -> Termination {
        while true {
            if let ended = poll() { return ended }
            // Wait without reaping, so the pid stays the child's until `poll` reaps it under the
            // same lock `send` takes.
            var info = siginfo_t()
            if waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) == -1 && errno != EINTR {
                return poll() ?? Termination(status: -1, bySignal: false)
            }
        }
    }

    /// Waits (polling every 10 ms) until the child has exited, at most `timeout`; nil if it
    /// still runs then.
    public func waitForExit(timeout: Duration) async -> Termination? {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while true {
            if let ended = poll() { return ended }
            guard ContinuousClock.now < deadline else { return nil }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Sends `signal` unless the child has already been reaped.
    public func send(_ signal: Int32) {
        termination.withLock { termination in
            if termination == nil { _ = kill(pid, signal) }
        }
    }

    /// Reads the child's standard output (``Stream/pipe``) to its end and closes it.
    public func readOutputToEnd() -> [UInt8] { take(.output).map(Self.readToEnd) ?? [] }

    /// Reads the child's standard error (``Stream/pipe``) to its end and closes it.
    public func readErrorToEnd() -> [UInt8] { take(.error).map(Self.readToEnd) ?? [] }

    /// Writes `bytes` to the child's standard input (``Stream/pipe``) and closes it. A child that
    /// exits without reading its input ends the write early; that is not an error.
    public func writeInputAndClose(_ bytes: [UInt8]) {
        guard let fd = take(.input) else { return }
        defer { close(fd) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written > 0 { offset += written } else if written == -1 && errno == EINTR { continue } else { return }
        }
    }

    private func take(_ slot: Slot) -> Int32? {
        descriptors.withLock { $0.removeValue(forKey: slot) }
    }

    private static func readToEnd(_ fd: Int32) -> [UInt8] {
        defer { close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count > 0 { result.append(contentsOf: chunk[..<count]) } else if count == -1 && errno == EINTR { continue } else { return result }
        }
    }

    deinit {
        for fd in descriptors.withLock({ $0.values }) { close(fd) }
    }
}
