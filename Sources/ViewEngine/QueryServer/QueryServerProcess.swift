import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One running `gasp query-server` child, connected through a socket pair on its stdin/stdout.
///
/// Exactly one caller uses a process at a time (the pool checks it out), so requests never
/// interleave. Blocking reads and writes run on the process's own dispatch queue, so they never
/// hold a thread of Swift's cooperative pool. ``kill()`` may be called at any time, from any
/// task: it ends a call in progress with end of file.
actor QueryServerProcess {
    /// The child's process id.
    nonisolated let pid: pid_t
    private nonisolated let socket: Int32
    private let queue: DispatchQueue
    private var buffer: [UInt8] = []
    private var alive = true
    private var released = false
    /// Cache keys of the design documents this process has compiled.
    var loadedKeys: Set<String> = []

    /// Starts `executable arguments...` with a socket on its stdin and stdout.
    init(executable: String, arguments: [String]) throws(ViewEngineError) {
        var fds: [Int32] = [-1, -1]
        #if canImport(Glibc)
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        #else
        let type = SOCK_STREAM
        #endif
        guard socketpair(AF_UNIX, type, 0, &fds) == 0 else {
            throw ViewEngineError(.processFailed, "socketpair failed: errno \(errno)")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[1], 0)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        let environment: [UnsafeMutablePointer<CChar>?] =
            ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + environment { free(pointer) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, executable, &actions, nil, argv, environment)
        close(fds[1])
        guard rc == 0 else {
            close(fds[0])
            throw ViewEngineError(.processFailed, "cannot start query server \(executable): errno \(rc)")
        }
        pid = child
        socket = fds[0]
        queue = DispatchQueue(label: "gasp.query-server.\(child)")
    }

    /// Sends one request line (ending in a newline) and waits for the response line (returned
    /// without its newline).
    func exchange(_ request: [UInt8]) async throws(ViewEngineError) -> [UInt8] {
        guard alive else { throw ViewEngineError(.processFailed, "query server \(pid) is not running") }
        let fd = socket
        let pid = self.pid
        let leftover = buffer
        let result: Result<(line: [UInt8], rest: [UInt8]), ViewEngineError> = await withCheckedContinuation { continuation in
            queue.async {
                continuation.resume(returning: Self.blockingExchange(fd: fd, pid: pid, request: request, leftover: leftover))
            }
        }
        switch result {
        case .success(let (line, rest)):
            buffer = rest
            return line
        case .failure(let error):
            alive = false
            throw error
        }
    }

    /// Kills the child (SIGKILL). A call in progress then fails with end of file.
    nonisolated func kill() {
        killProcess(pid)
    }

    /// Kills the child and waits for it, releasing its socket.
    func shutdown() async {
        guard !released else { return }
        released = true
        alive = false
        kill()
        let fd = socket
        let pid = self.pid
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async {
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                close(fd)
                continuation.resume()
            }
        }
    }

    deinit {
        // A pool dropped without shutdown(): do not leave the child or its socket behind.
        if !released {
            killProcess(pid)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            close(socket)
        }
    }

    private static func blockingExchange(
        fd: Int32, pid: pid_t, request: [UInt8], leftover: [UInt8]
    ) -> Result<(line: [UInt8], rest: [UInt8]), ViewEngineError> {
        var offset = 0
        while offset < request.count {
            let n = request.withUnsafeBytes { send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(ViewEngineError(.processFailed, "query server \(pid) stopped reading (errno \(errno))"))
            }
            offset += n
        }
        var pending = leftover
        var scanned = 0
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            if let newline = pending.withUnsafeBufferPointer({ ByteScan.index(of: 0x0A, in: $0, from: scanned) }) {
                let line = Array(pending[..<newline])
                let rest = Array(pending[(newline + 1)...])
                return .success((line, rest))
            }
            scanned = pending.count
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(ViewEngineError(.processFailed, "query server \(pid) connection failed (errno \(errno))"))
            }
            if n == 0 {
                return .failure(ViewEngineError(.processFailed, "query server \(pid) exited"))
            }
            pending.append(contentsOf: chunk[0..<n])
        }
    }
}

private func killProcess(_ pid: pid_t) {
    #if canImport(Glibc)
    _ = Glibc.kill(pid, SIGKILL)
    #else
    _ = Darwin.kill(pid, SIGKILL)
    #endif
}
