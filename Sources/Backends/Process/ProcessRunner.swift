import Foundation
import Synchronization

/// Runs programs to completion without blocking the Swift concurrency pool.
///
/// The spawn, the blocking reads of both pipes and the wait happen on Dispatch threads; the
/// calling task only awaits a continuation. A task cancelled while its program runs sends the
/// program SIGTERM; a program past its timeout gets SIGTERM, then SIGKILL 5 s later. Standard
/// output and error are drained concurrently, so a chatty program never blocks on a full pipe.
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
        let child: ChildProcess
        do {
            child = try ChildProcess(
                executable.path, arguments: invocation.arguments, environment: environment,
                workingDirectory: invocation.workingDirectory,
                standardInput: invocation.standardInput == nil ? .null : .pipe, standardOutput: .pipe, standardError: .pipe)
        } catch {
            return .failure(BackendError(.io, error.message, command: invocation.commandLine))
        }
        control.started(child)

        let group = DispatchGroup()
        let errData = BytesBox()
        group.enter()
        DispatchQueue.global().async {
            errData.set(child.readErrorToEnd())
            group.leave()
        }
        if let bytes = invocation.standardInput {
            group.enter()
            DispatchQueue.global().async {
                child.writeInputAndClose(Array(bytes))
                group.leave()
            }
        }
        let timer = DispatchWorkItem { control.timeOut() }
        DispatchQueue.global().asyncAfter(deadline: .now() + invocation.timeout.timeInterval, execute: timer)

        let outData = child.readOutputToEnd()
        group.wait()
        let termination = child.waitUntilExit()
        timer.cancel()

        return .success(ProcessResult(
            commandLine: invocation.commandLine,
            status: termination.status,
            terminatedBySignal: termination.bySignal,
            timedOut: control.didTimeOut,
            standardOutput: String(decoding: outData, as: UTF8.self),
            standardError: String(decoding: errData.get(), as: UTF8.self)))
    }
}

/// The running program, shared between the thread waiting for it, the timeout timer and the
/// task's cancellation handler. Signals reach it only until it is reaped (``ChildProcess``).
private final class RunControl: Sendable {
    private struct State {
        var child: ChildProcess?
        var cancelled = false
        var timedOut = false
    }
    private let state = Mutex(State())

    func started(_ child: ChildProcess) {
        let cancelled = state.withLock { state -> Bool in
            state.child = child
            return state.cancelled
        }
        if cancelled { child.send(SIGTERM) }
    }

    func terminate() {
        let child = state.withLock { state -> ChildProcess? in
            state.cancelled = true
            return state.child
        }
        child?.send(SIGTERM)
    }

    func timeOut() {
        let child = state.withLock { state -> ChildProcess? in
            state.timedOut = true
            return state.child
        }
        guard let child else { return }
        child.send(SIGTERM)
        DispatchQueue.global().asyncAfter(deadline: .now() + 5) { child.send(SIGKILL) }
    }

    var didTimeOut: Bool { state.withLock { $0.timedOut } }
}

/// Bytes handed from one Dispatch thread to another.
private final class BytesBox: Sendable {
    private let bytes = Mutex<[UInt8]>([])
    func set(_ value: [UInt8]) { bytes.withLock { $0 = value } }
    func get() -> [UInt8] { bytes.withLock { $0 } }
}

extension Duration {
    /// The duration in seconds, for Dispatch.
    var timeInterval: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
