import Foundation

/// Jobs as detached processes on this host, their state in files.
///
/// Each job gets a folder `<state directory>/jobs/<id>/` holding its `name`, `record.json`
/// (the request and submission time), `script.sh` and `wrapper.sh`, and runs under that
/// `/bin/sh` wrapper, started through `setsid` by a shell that exits at once: the job is not a
/// child of the worker, is in its own session and process group, and survives the worker
/// dying. The wrapper writes `pid`, `started` and `ended` (Unix seconds), `cpu_times`, and
/// finally `exit_code`, each file renamed into place whole; `cancel` adds `cancelled`.
///
/// Under systemd, a unit's default `KillMode=control-group` stops everything in the worker's
/// cgroup, detached jobs included (`mixed` too, with SIGKILL); a worker whose local jobs should
/// outlive a restart runs with `KillMode=process`.
///
/// A new backend on the same state directory (a restarted worker) recovers every job's state
/// from those files; a job whose wrapper is gone without an exit code is
/// ``BackendJobState/Kind/failed`` with the reason "lost". Folders are kept until
/// ``removeFinished(before:)`` removes them, so ``find(named:)`` finds finished jobs too.
///
/// Capacity: with `capacity` set, ``submit(_:)`` refuses (``BackendError/Code/atCapacity``) while
/// that many jobs are unfinished, so a caller can submit concurrently without overshooting.
/// Wall time is enforced with coreutils `timeout`; cores and memory are not enforced.
/// Every submission is appended to ``submissionLog``.
public actor LocalBackend: BatchBackend {
    public nonisolated let kind = "local"
    /// Where the job folders and the submission log are.
    public nonisolated let stateDirectory: URL
    /// At most this many unfinished jobs at once; `nil` for no limit.
    public nonisolated let capacity: Int?
    /// The record of every submission.
    public nonisolated let submissionLog: LocalSubmissionLog

    private let runner: ProcessRunner
    private let setsidPath: String
    private let startGrace: Duration
    /// Jobs that were unfinished when last looked at; `nil` until the folders are first read.
    private var unfinished: Set<BackendJobID>?

    /// - Parameters:
    ///   - stateDirectory: created if missing.
    ///   - capacity: the most unfinished jobs at once, or `nil`.
    ///   - setsid: the `setsid` program (util-linux), a path or a name on `PATH`.
    ///   - startGrace: how long a job may take from submission to writing its pid before it
    ///     counts as never started.
    public init(
        stateDirectory: URL, capacity: Int? = nil, setsid: String = "setsid",
        startGrace: Duration = .seconds(30), runner: ProcessRunner = ProcessRunner()
    ) throws(BackendError) {
        if let capacity, capacity < 1 {
            throw BackendError(.invalidConfiguration, "local backend capacity must be at least 1, not \(capacity)")
        }
        self.stateDirectory = stateDirectory.standardizedFileURL
        self.capacity = capacity
        self.submissionLog = LocalSubmissionLog(stateDirectory: self.stateDirectory)
        self.runner = runner
        self.setsidPath = try runner.resolve(setsid).path
        self.startGrace = startGrace
        do {
            try FileManager.default.createDirectory(at: self.stateDirectory.appendingPathComponent("jobs"),
                                                    withIntermediateDirectories: true)
        } catch {
            throw BackendError(.io, "cannot create the local backend's state directory \(stateDirectory.path): \(error)")
        }
    }

    // MARK: BatchBackend

    public func submit(_ request: BackendJobRequest) async throws(BackendError) -> BackendJobID {
        try request.validate()
        if let capacity {
            let count = try await unfinishedCount()
            if count >= capacity {
                throw BackendError(.atCapacity, "the local backend already runs \(count) of its \(capacity) jobs; \(request.name) was not submitted")
            }
        }
        let id = Self.newID()
        let folder = LocalJobFolder(stateDirectory: stateDirectory, id: id)
        let now = Date()
        try write(folder: folder, request: request, submittedAt: now)
        // Logged before the launch: a crash between the two leaves a logged job that never
        // started (found by name, reported failed), never an unlogged job that runs.
        try submissionLog.append(id: id, name: request.name, time: now)
        unfinished?.insert(id)
        let launched: Int32
        do {
            launched = try await runner.spawnShellDetached(
                "\"$1\" /bin/sh \"$2\" \"$3\" &", arguments: ["gasp-local-launch", setsidPath, folder.path("wrapper.sh"), folder.url.path])
        } catch {
            try? FileManager.default.removeItem(at: folder.url)
            unfinished?.remove(id)
            throw error
        }
        if launched != 0 {
            try? FileManager.default.removeItem(at: folder.url)
            unfinished?.remove(id)
            throw BackendError(.commandFailed, "launching local job \(request.name) failed: /bin/sh exited with status \(launched)")
        }
        return id
    }

    public func status(of ids: [BackendJobID]) async throws(BackendError) -> [BackendJobID: BackendJobState] {
        var states: [BackendJobID: BackendJobState] = [:]
        for id in ids { states[id] = state(of: id) }
        return states
    }

    public func cancel(_ ids: [BackendJobID]) async throws(BackendError) {
        for id in ids {
            let folder = LocalJobFolder(stateDirectory: stateDirectory, id: id)
            guard folder.exists, !folder.has("exit_code") else { continue }
            guard FileManager.default.createFile(atPath: folder.path("cancelled"), contents: Data()) else {
                throw BackendError(.io, "cannot mark local job \(id) cancelled in \(folder.url.path)")
            }
            if let pid = folder.pid, folder.isRunning(pid: pid) {
                // The wrapper leads its own process group: this reaches the job and its children.
                kill(-pid, SIGTERM)
            }
        }
    }

    public func find(namePrefix prefix: String) async throws(BackendError) -> [BackendJobMatch] {
        try jobIDs().compactMap { id -> BackendJobMatch? in
            let folder = LocalJobFolder(stateDirectory: stateDirectory, id: id)
            guard let name = folder.name, name.hasPrefix(prefix) else { return nil }
            return BackendJobMatch(id: id, name: name, state: state(of: id))
        }
    }

    public func outputs(of id: BackendJobID, files: BackendOutputFiles?, tailBytes: Int) async throws(BackendError) -> BackendJobOutputs {
        let folder = LocalJobFolder(stateDirectory: stateDirectory, id: id)
        guard let record = folder.record() else {
            throw BackendError(.notFound, "the local backend has no job \(id) in \(stateDirectory.path)")
        }
        let files = files ?? BackendOutputFiles(record.request)
        return BackendJobOutputs(
            standardOutputTail: FileTail.read(files.standardOutputPath, bytes: tailBytes),
            standardErrorTail: FileTail.read(files.standardErrorPath, bytes: tailBytes),
            standardOutputPath: files.standardOutputPath,
            standardErrorPath: files.standardErrorPath,
            exitCode: folder.exitCode,
            cpuSeconds: folder.cpuSeconds)
    }

    // MARK: Local extras

    /// How many jobs are unfinished (queued or running) now.
    public func unfinishedCount() async throws(BackendError) -> Int {
        let candidates: Set<BackendJobID>
        if let unfinished { candidates = unfinished } else { candidates = Set(try jobIDs()) }
        let still = candidates.filter { !state(of: $0).isFinished }
        unfinished = still
        return still.count
    }

    /// How many more jobs ``submit(_:)`` accepts now (`Int.max` without a capacity).
    public func freeSlots() async throws(BackendError) -> Int {
        guard let capacity else { return .max }
        return max(0, capacity - (try await unfinishedCount()))
    }

    /// Removes the folders of finished jobs that ended before `date` (their output files, which
    /// live where the requests said, stay). Returns the ids removed.
    @discardableResult
    public func removeFinished(before date: Date) throws(BackendError) -> [BackendJobID] {
        var removed: [BackendJobID] = []
        for id in try jobIDs() {
            let folder = LocalJobFolder(stateDirectory: stateDirectory, id: id)
            guard state(of: id).isFinished,
                  let ended = folder.read("ended").flatMap(TimeInterval.init),
                  Date(timeIntervalSince1970: ended) < date else { continue }
            try? FileManager.default.removeItem(at: folder.url)
            removed.append(id)
        }
        return removed
    }

    // MARK: Files

    /// The state of one job, from its folder alone.
    private func state(of id: BackendJobID) -> BackendJobState {
        let folder = LocalJobFolder(stateDirectory: stateDirectory, id: id)
        guard folder.exists else { return .notKnown }
        if let finished = finishedState(folder) { return finished }
        let cancelled = folder.has("cancelled")
        if let pid = folder.pid {
            if folder.isRunning(pid: pid) {
                return BackendJobState(.running, raw: cancelled ? "cancelling pid \(pid)" : "running pid \(pid)")
            }
            // It may have ended between the two reads.
            if let finished = finishedState(folder) { return finished }
            if cancelled { return BackendJobState(.cancelled, reason: "killed before writing an exit code", raw: "cancelled") }
            return BackendJobState(.failed, reason: "lost: process \(pid) is gone without an exit code", raw: "lost")
        }
        let submitted = folder.record()?.submittedAt ?? .distantPast
        if Date().timeIntervalSince(submitted) < startGrace.timeInterval {
            return BackendJobState(.queued, raw: "starting")
        }
        if cancelled { return BackendJobState(.cancelled, reason: "cancelled before it started", raw: "cancelled") }
        return BackendJobState(.failed, reason: "lost: never started (no pid written within \(startGrace))", raw: "never started")
    }

    private func finishedState(_ folder: LocalJobFolder) -> BackendJobState? {
        guard let code = folder.exitCode else { return nil }
        let raw = "exit \(code)"
        if folder.has("cancelled") { return BackendJobState(.cancelled, exitCode: code, raw: raw) }
        if folder.has("timed_out") {
            return BackendJobState(.timedOut, exitCode: code, reason: "stopped at its wall-time limit", raw: raw)
        }
        if code == 0 { return BackendJobState(.completed, exitCode: 0, raw: raw) }
        if code > 128 {
            return BackendJobState(.failed, exitCode: code, signal: code - 128, reason: "killed by signal \(code - 128)", raw: raw)
        }
        return BackendJobState(.failed, exitCode: code, reason: "exit code \(code)", raw: raw)
    }

    private func jobIDs() throws(BackendError) -> [BackendJobID] {
        let jobs = stateDirectory.appendingPathComponent("jobs")
        do {
            return try FileManager.default.contentsOfDirectory(atPath: jobs.path)
                .filter { !$0.hasPrefix(".") }
                .map(BackendJobID.init(rawValue:))
                .sorted()
        } catch {
            throw BackendError(.io, "cannot list the local jobs in \(jobs.path): \(error)")
        }
    }

    /// Writes the folder under a temporary name and renames it into place, so no reader ever
    /// sees a job without its name and record.
    private func write(folder: LocalJobFolder, request: BackendJobRequest, submittedAt: Date) throws(BackendError) {
        let fileManager = FileManager.default
        let temporary = folder.url.deletingLastPathComponent().appendingPathComponent(".tmp-\(folder.id.rawValue)")
        do {
            try fileManager.createDirectory(at: temporary, withIntermediateDirectories: false)
            let record = LocalJobRecord(id: folder.id, submittedAt: submittedAt, request: request)
            try JSONEncoder.localRecords.encode(record).write(to: temporary.appendingPathComponent("record.json"))
            try Data((request.name + "\n").utf8).write(to: temporary.appendingPathComponent("name"))
            let script = temporary.appendingPathComponent("script.sh")
            try Data(JobScript.compose(request).utf8).write(to: script)
            try fileManager.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
            try Data(LocalWrapperScript.text(for: request).utf8).write(to: temporary.appendingPathComponent("wrapper.sh"))
            try fileManager.moveItem(at: temporary, to: folder.url)
        } catch {
            try? fileManager.removeItem(at: temporary)
            throw BackendError(.io, "cannot write the local job folder \(folder.url.path): \(error)")
        }
    }

    /// Sortable by submission time, unique across processes sharing the directory.
    private static func newID() -> BackendJobID {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss.SSS"
        let random = String(UInt64.random(in: 0...UInt64(UInt32.max)), radix: 16)
        return BackendJobID("\(formatter.string(from: Date()))-\(String(repeating: "0", count: 8 - random.count))\(random)")
    }
}
