import Foundation

extension ProcessRunner {
    /// Starts `/bin/sh -c script arguments...` with standard input, output and error on
    /// `/dev/null`, every other descriptor closed and gasp's secrets left out of its
    /// environment (``JobEnvironment``), waits for that shell (not for anything it
    /// puts in the background) and returns its exit status.
    ///
    /// This is how detached jobs are started: a background grandchild holding a pipe's write end
    /// would keep ``run(_:)`` waiting for end-of-file until the job ended.
    public func spawnShellDetached(_ script: String, arguments: [String]) async throws(BackendError) -> Int32 {
        let environment = JobEnvironment.forJobs(baseEnvironment)
        let argv = ["-c", script] + arguments
        let commandLine = (["/bin/sh"] + argv).map(ShellQuoting.quote).joined(separator: " ")
        let result: Result<Int32, BackendError> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: Self.spawnAndWait(argv, environment: environment, commandLine: commandLine))
            }
        }
        return try result.get()
    }

    private static func spawnAndWait(_ argv: [String], environment: [String: String], commandLine: String) -> Result<Int32, BackendError> {
        let shell: ChildProcess
        do {
            shell = try ChildProcess("/bin/sh", arguments: argv, environment: environment)
        } catch {
            return .failure(BackendError(.io, error.message, command: commandLine))
        }
        let ended = shell.waitUntilExit()
        if !ended.bySignal { return .success(ended.status) }
        return .failure(BackendError(.commandFailed, "/bin/sh was killed by signal \(ended.status)", command: commandLine))
    }
}
