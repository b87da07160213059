import Foundation

extension ProcessRunner {
    /// Starts `/bin/sh -c script arguments...` with standard input, output and error on
    /// `/dev/null`, every other descriptor closed and gasp's secrets left out of its
    /// environment (``JobEnvironment``), waits for that shell (not for anything it
    /// puts in the background) and returns its exit status.
    ///
    /// This is how detached jobs are started: Foundation's `Process` hands its children the
    /// pipes it reads, and a background grandchild holding a pipe's write end would keep
    /// ``run(_:)`` waiting for end-of-file until the job ended.
    public func spawnShellDetached(_ script: String, arguments: [String]) async throws(BackendError) -> Int32 {
        let environment = JobEnvironment.forJobs(baseEnvironment).map { "\($0.key)=\($0.value)" }
        let argv = ["/bin/sh", "-c", script] + arguments
        let commandLine = argv.map(ShellQuoting.quote).joined(separator: " ")
        let result: Result<Int32, BackendError> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: Self.spawnAndWait(argv, environment: environment, commandLine: commandLine))
            }
        }
        return try result.get()
    }

    /// `posix_spawn_file_actions_addclosefrom_np(actions, 3)` (glibc 2.34 and later), looked up
    /// at run time because Swift's Glibc module does not import it. Without it, descriptors
    /// other threads opened without close-on-exec could reach the job.
    private static func closeFrom3(_ actions: inout posix_spawn_file_actions_t) {
        typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        guard let handle = dlopen(nil, RTLD_NOW),
              let symbol = dlsym(handle, "posix_spawn_file_actions_addclosefrom_np") else { return }
        _ = unsafeBitCast(symbol, to: AddCloseFrom.self)(&actions, 3)
    }

    private static func spawnAndWait(_ argv: [String], environment: [String], commandLine: String) -> Result<Int32, BackendError> {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        closeFrom3(&actions)

        let cArguments = argv.map { strdup($0) } + [nil]
        let cEnvironment = environment.map { strdup($0) } + [nil]
        defer {
            cArguments.forEach { free($0) }
            cEnvironment.forEach { free($0) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/sh", &actions, nil, cArguments, cEnvironment)
        guard spawned == 0 else {
            return .failure(BackendError(.io, "cannot start /bin/sh: \(String(cString: strerror(spawned)))", command: commandLine))
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            guard errno == EINTR else {
                return .failure(BackendError(.io, "waiting for /bin/sh failed: \(String(cString: strerror(errno)))", command: commandLine))
            }
        }
        // WIFEXITED / WEXITSTATUS, which Swift does not import as macros.
        if status & 0x7f == 0 { return .success((status >> 8) & 0xff) }
        return .failure(BackendError(.commandFailed, "/bin/sh was killed by signal \(status & 0x7f)", command: commandLine))
    }
}
