import Foundation
import Glibc

/// The `posix_spawn` file actions and attributes of one ``ChildProcess``, and the descriptors
/// the child gets that this process must close once it has started.
struct SpawnSetup {
    /// Why a spawn failed, for ``ChildProcess``'s error message.
    struct Failure: Error {
        var message: String
    }

    private var actions = posix_spawn_file_actions_t()
    private var attributes = posix_spawnattr_t()
    private var childEnds: [Int32] = []

    init() {
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        // Default dispositions for every signal that has one to reset, and nothing blocked.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in 1..<SIGSYS where signal != SIGKILL && signal != SIGSTOP { sigaddset(&defaults, signal) }
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &unblocked)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
    }

    /// Points the child's descriptor `target` at `stream`; returns this side's end of a pipe.
    mutating func connect(_ target: Int32, to stream: ChildProcess.Stream, forInput: Bool) throws(Failure) -> Int32? {
        switch stream {
        case .null:
            posix_spawn_file_actions_addopen(&actions, target, "/dev/null", forInput ? O_RDONLY : O_WRONLY, 0)
            return nil
        case .appending(let path):
            posix_spawn_file_actions_addopen(&actions, target, path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
            return nil
        case .pipe:
            var fds: [Int32] = [-1, -1]
            let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
            guard socketpair(AF_UNIX, type, 0, &fds) == 0 else {
                throw Failure(message: "socketpair failed: \(String(cString: strerror(errno)))")
            }
            // dup2 clears close-on-exec on the child's copy only.
            posix_spawn_file_actions_adddup2(&actions, fds[1], target)
            childEnds.append(fds[1])
            return fds[0]
        }
    }

    /// Starts the child in `directory` (`posix_spawn_file_actions_addchdir_np`, glibc 2.29).
    mutating func changeDirectory(to directory: String) throws(Failure) {
        guard let addChdir = Self.symbol("posix_spawn_file_actions_addchdir_np", as: AddChdir.self) else {
            throw Failure(message: "this C library cannot start a program in another directory")
        }
        _ = addChdir(&actions, directory)
    }

    /// Spawns the child and closes its ends of the pipes here.
    mutating func run(_ executable: String, arguments: [String], environment: [String: String]) throws(Failure) -> pid_t {
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        // Last, after the dup2s it would otherwise undo: nothing above the standard streams
        // reaches the child, whoever opened it.
        if let addCloseFrom = Self.symbol("posix_spawn_file_actions_addclosefrom_np", as: AddCloseFrom.self) {
            _ = addCloseFrom(&actions, 3)
        }
        var pid: pid_t = 0
        var result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        // A script just written is "busy" while a child another thread is starting still holds
        // the writer's descriptor (until its own exec closes it): that passes within moments.
        for _ in 0..<50 where result == ETXTBSY {
            usleep(10_000)
            result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        }
        for fd in childEnds { close(fd) }
        childEnds = []
        guard result == 0 else { throw Failure(message: String(cString: strerror(result))) }
        return pid
    }

    /// Frees the actions and attributes, and any child end not handed over.
    mutating func destroy() {
        for fd in childEnds { close(fd) }
        posix_spawn_file_actions_destroy(&actions)
        posix_spawnattr_destroy(&attributes)
    }

    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

    /// A glibc function Swift's Glibc module does not import, looked up at run time.
    private static func symbol<F>(_ name: String, as type: F.Type) -> F? {
        guard let handle = dlopen(nil, RTLD_NOW), let pointer = dlsym(handle, name) else { return nil }
        return unsafeBitCast(pointer, to: type)
    }
}
