import Foundation
import Synchronization

/// Runs programs to completion without blocking the Swift concurrency pool.
///
/// The spawn, the blocking reads of both pipes and the wait happen on Dispatch threads; the
/// calling task only awaits a continuation. A task cancelled while its program runs sends the
/// program SIGTERM; a program past its timeout gets SIGTERM, then SIGKILL 5 s later. Standard
/// output and error are drained concurrently, so a chatty program never blocks on a full pipe.
/// Serialises `Process.run()` across the process.
private let launchLock = Mutex(())

public struct ProcessRunner: Sendable {
    /// The environment every program starts from (the invocation's variables are added to it).
    public var baseEnvironment: [String: String]

    /// A runner whose programs inherit this process's environment.
    public init(baseEnvironment: [String: String] = ProcessInfo.processInfo.environment) {
        self.baseEnvironment = baseEnvironment
    }

    /// Runs the program and returns how it ended, whatever its exit status. Throws only when it
    /// cannot be started (``BackendError/Code/commandNotFound``, ``BackendError/Code/io``).
    public func run(_ invocation: ProcessInvocation) async throws(BackendError) -> ProcessResult {
        let base = invocation.startsJobs ? JobEnvironment.forJobs(baseEnvironment) : baseEnvironment
        let environment = base.merging(invocation.environment) { _, new in new }
        let executable = try resolve(invocation.executable, environment: environment, commandLine: invocation.commandLine)
        let control = RunControl()
        let result: Result<ProcessResult, BackendError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                DispatchQueue.global().async {
                    continuation.resume(returning: Self.runBlocking(invocation, executable: executable,
                                                                    environment: environment, control: control))
                }
            }
        } onCancel: {
            control.terminate()
        }
        return try result.get()
    }

    /// Runs the program and returns its result if it exited 0, else throws
    /// ``BackendError/Code/commandFailed`` naming the command and its standard error.
    public func checked(_ invocation: ProcessInvocation, _ what: String? = nil) async throws(BackendError) -> ProcessResult {
        try await run(invocation).checked(what)
    }

    /// The executable's URL: a path as given, a name looked up on the environment's `PATH`.
    public func resolve(_ executable: String, environment: [String: String]? = nil, commandLine: String? = nil) throws(BackendError) -> URL {
        let fileManager = FileManager.default
        if executable.contains("/") {
            if fileManager.isExecutableFile(atPath: executable) { return URL(fileURLWithPath: executable) }
            throw BackendError(.commandNotFound, "\(executable) does not exist or is not executable", command: commandLine)
        }
        let path = (environment ?? baseEnvironment)["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/\(executable)"
            if fileManager.isExecutableFile(atPath: candidate) { return URL(fileURLWithPath: candidate) }
        }
        throw BackendError(.commandNotFound, "\(executable) is not on PATH (\(path))", command: commandLine)
    }

    private static func runBlocking(
        _ invocation: ProcessInvocation, executable: URL, environment: [String: String], control: RunControl
    ) -> Result<ProcessResult, BackendError> {
        let process = Process()
        process.executableURL = executable
        process.arguments = invocation.arguments
        process.environment = environment
        if let directory = invocation.workingDirectory {
            process.currentDirectoryURL = URL(fileURLWithPath: directory)
        }
        let out = Pipe()
        let err = Pipe()
        let input = invocation.standardInput.map { _ in Pipe() }
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input ?? FileHandle.nullDevice
        do {
            // Foundation's Process.run() is not safe to call from several threads at once on
            // Linux (it crashed copying its spawn arguments under parallel tests): one at a time.
            try launchLock.withLock { _ in try process.run() }
        } catch {
            return .failure(BackendError(.io, "cannot start \(executable.path): \(error)", command: invocation.commandLine))
        }
        control.started(pid: process.processIdentifier)

        let group = DispatchGroup()
        let errData = DataBox()
        group.enter()
        DispatchQueue.global().async {
            errData.set(err.fileHandleForReading.readDataToEndOfFile())
            group.leave()
        }
        if let input, let bytes = invocation.standardInput {
            group.enter()
            DispatchQueue.global().async {
                // A program that exits without reading its input makes this write fail; ignore it.
                try? input.fileHandleForWriting.write(contentsOf: bytes)
                try? input.fileHandleForWriting.close()
                group.leave()
            }
        }
        let timer = DispatchWorkItem { control.timeOut() }
        DispatchQueue.global().asyncAfter(deadline: .now() + invocation.timeout.timeInterval, execute: timer)

        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        timer.cancel()
        control.finished()

        return .success(ProcessResult(
            commandLine: invocation.commandLine,
            status: process.terminationStatus,
            terminatedBySignal: process.terminationReason == .uncaughtSignal,
            timedOut: control.didTimeOut,
            standardOutput: String(decoding: outData, as: UTF8.self),
            standardError: String(decoding: errData.get(), as: UTF8.self)))
    }
}

/// The running program's pid, shared between the thread waiting for it, the timeout timer and
/// the task's cancellation handler.
private final class RunControl: Sendable {
    private struct State {
        var pid: pid_t?
        var cancelled = false
        var timedOut = false
        var done = false
    }
    private let state = Mutex(State())

    func started(pid: pid_t) {
        let cancelled = state.withLock { state -> Bool in
            state.pid = pid
            return state.cancelled
        }
        if cancelled { send(SIGTERM) }
    }

    func terminate() {
        let pid = state.withLock { state -> pid_t? in
            state.cancelled = true
            return state.done ? nil : state.pid
        }
        if let pid { kill(pid, SIGTERM) }
    }

    func timeOut() {
        let pid = state.withLock { state -> pid_t? in
            guard !state.done else { return nil }
            state.timedOut = true
            return state.pid
        }
        guard let pid else { return }
        kill(pid, SIGTERM)
        DispatchQueue.global().asyncAfter(deadline: .now() + 5) { [self] in self.send(SIGKILL) }
    }

    func finished() { state.withLock { $0.done = true } }

    var didTimeOut: Bool { state.withLock { $0.timedOut } }

    private func send(_ number: Int32) {
        // Only while the program has not been reaped, so a reused pid is never hit.
        state.withLock { state in
            if !state.done, let pid = state.pid { kill(pid, number) }
        }
    }
}

/// Bytes handed from one Dispatch thread to another.
private final class DataBox: Sendable {
    private let data = Mutex(Data())
    func set(_ value: Data) { data.withLock { $0 = value } }
    func get() -> Data { data.withLock { $0 } }
}

extension Duration {
    /// The duration in seconds, for Dispatch.
    var timeInterval: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
