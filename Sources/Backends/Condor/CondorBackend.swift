import Foundation

/// HTCondor through its commands: `condor_submit -terse`, `condor_q -json`,
/// `condor_history -json`, `condor_rm`.
///
/// Each job is one cluster of one vanilla-universe job running the composed script (written to
/// `<script directory>/<name>.sh`). The name goes into `JobBatchName` and a `GaspJobName`
/// attribute; finding by name is a `condor_q` and a `condor_history` constraint on it
/// (`=?=`, ClassAds' case-sensitive equality). Status asks `condor_q` for all ids at once and
/// `condor_history` (by a constraint on the ids) for those no longer queued. Wall time becomes
/// `allowed_execute_duration`, memory `request_memory` (MB), cores `request_cpus`.
public struct CondorBackend: BatchBackend {
    public struct Configuration: Sendable, Hashable {
        public var condorSubmit = "condor_submit"
        public var condorQ = "condor_q"
        public var condorHistory = "condor_history"
        public var condorRm = "condor_rm"
        /// Variables for every command (e.g. `CONDOR_CONFIG`).
        public var environment: [String: String] = [:]
        /// Where job scripts are written; `nil` for each job's working directory.
        public var scriptDirectory: String?
        /// Submit-description lines added to every job (e.g. `requirements = ...`).
        public var extraSubmitLines: [String] = []
        public var commandTimeout: Duration = BackendDefaults.commandTimeout

        public init() {}
    }

    public let kind = "condor"
    public let configuration: Configuration
    private let runner: ProcessRunner

    public init(configuration: Configuration = Configuration(), runner: ProcessRunner = ProcessRunner()) {
        self.configuration = configuration
        self.runner = runner
    }

    public func submit(_ request: BackendJobRequest) async throws(BackendError) -> BackendJobID {
        try request.validate()
        let directory = configuration.scriptDirectory ?? request.workingDirectory
        let scriptPath = URL(fileURLWithPath: directory).appendingPathComponent("\(request.name).sh").path
        do {
            try Data(JobScript.compose(request).utf8).write(to: URL(fileURLWithPath: scriptPath))
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: scriptPath)
        } catch {
            throw BackendError(.io, "cannot write the job script \(scriptPath): \(error)")
        }
        var call = invocation(configuration.condorSubmit, ["-terse", "-"])
        call.startsJobs = true
        call.standardInput = Data(submitDescription(for: request, scriptPath: scriptPath).utf8)
        let result = try await runner.checked(call, "submitting \(request.name)")
        return try CondorClassAdParser.submittedID(result.standardOutput)
    }

    /// The submit description for a request whose script is at `scriptPath`.
    public func submitDescription(for request: BackendJobRequest, scriptPath: String) -> String {
        var lines = [
            "universe = vanilla",
            "executable = \(scriptPath)",
            "initialdir = \(request.workingDirectory)",
            "output = \(request.standardOutputPath)",
            "error = \(request.standardErrorPath)",
            "batch_name = \(request.name)",
            "+GaspJobName = \"\(request.name)\"",
        ]
        if let cores = request.resources.cores { lines.append("request_cpus = \(cores)") }
        if let memory = request.resources.memoryMB { lines.append("request_memory = \(memory)") }
        if let wall = request.resources.wallTimeSeconds { lines.append("allowed_execute_duration = \(wall)") }
        lines += configuration.extraSubmitLines
        lines.append("queue 1")
        return lines.joined(separator: "\n") + "\n"
    }

    public func status(of ids: [BackendJobID]) async throws(BackendError) -> [BackendJobID: BackendJobState] {
        guard !ids.isEmpty else { return [:] }
        var states: [BackendJobID: BackendJobState] = [:]
        let wanted = Set(ids)
        for ad in try await query(configuration.condorQ, ids.map(\.rawValue)) where wanted.contains(ad.id) {
            states[ad.id] = ad.state
        }
        let missing = ids.filter { states[$0] == nil }
        if !missing.isEmpty {
            for ad in try await query(configuration.condorHistory, Self.historySelection(missing))
            where wanted.contains(ad.id) && states[ad.id] == nil {
                states[ad.id] = ad.state
            }
        }
        for id in ids where states[id] == nil { states[id] = .notKnown }
        return states
    }

    public func cancel(_ ids: [BackendJobID]) async throws(BackendError) {
        guard !ids.isEmpty else { return }
        let result = try await runner.run(invocation(configuration.condorRm, ids.map(\.rawValue)))
        // condor_rm exits non-zero when a job is already gone ("Couldn't find/remove all jobs
        // matching ...", "Job 12.0 not found"); only other failures count.
        let said = result.standardError + result.standardOutput
        if !result.succeeded, !said.contains("not found"), !said.contains("Couldn't find") {
            _ = try result.checked("removing \(ids.count) job(s)")
        }
    }

    public func find(namePrefix prefix: String) async throws(BackendError) -> [BackendJobMatch] {
        let constraint = "substr(JobBatchName, 0, \(prefix.utf8.count)) =?= \(Self.classAdString(prefix))"
        return try await find(constraint: constraint) { $0.hasPrefix(prefix) }
    }

    public func find(named name: String) async throws(BackendError) -> BackendJobID? {
        try await find(constraint: "JobBatchName =?= \(Self.classAdString(name))") { $0 == name }.map(\.id).min()
    }

    public func outputs(of id: BackendJobID, files: BackendOutputFiles?, tailBytes: Int) async throws(BackendError) -> BackendJobOutputs {
        var ad = try await query(configuration.condorQ, [id.rawValue]).first { $0.id == id }
        if ad == nil { ad = try await query(configuration.condorHistory, Self.historySelection([id])).first { $0.id == id } }
        guard let out = files?.standardOutputPath ?? ad?.standardOutputPath,
              let err = files?.standardErrorPath ?? ad?.standardErrorPath else {
            throw BackendError(.notFound, "HTCondor does not know job \(id) or where it wrote its output")
        }
        return BackendJobOutputs(
            standardOutputTail: FileTail.read(out, bytes: tailBytes),
            standardErrorTail: FileTail.read(err, bytes: tailBytes),
            standardOutputPath: out, standardErrorPath: err,
            exitCode: ad.flatMap { $0.state.isFinished ? $0.state.exitCode : nil },
            cpuSeconds: ad?.cpuSeconds)
    }

    // MARK: Commands

    private func find(constraint: String, matching: (String) -> Bool) async throws(BackendError) -> [BackendJobMatch] {
        var found: [BackendJobID: BackendJobMatch] = [:]
        for tool in [configuration.condorQ, configuration.condorHistory] {
            for ad in try await query(tool, ["-constraint", constraint]) where matching(ad.name) && found[ad.id] == nil {
                found[ad.id] = BackendJobMatch(id: ad.id, name: ad.name, state: ad.state)
            }
        }
        return found.values.sorted { $0.id < $1.id }
    }

    private func query(_ tool: String, _ selection: [String]) async throws(BackendError) -> [CondorJobAd] {
        let arguments = ["-json", "-attributes", CondorClassAdParser.attributes.joined(separator: ",")] + selection
        let result = try await runner.checked(invocation(tool, arguments), "querying HTCondor")
        return try CondorClassAdParser.jobs(result.standardOutput)
    }

    private func invocation(_ executable: String, _ arguments: [String]) -> ProcessInvocation {
        ProcessInvocation(executable, arguments, environment: configuration.environment, timeout: configuration.commandTimeout)
    }

    /// The `condor_history` arguments selecting these jobs. Older `condor_history` takes one
    /// job id argument only, so the ids go into a constraint; `-limit` ends the scan of the
    /// history file once they are all found.
    static func historySelection(_ ids: [BackendJobID]) -> [String] {
        let terms = ids.map { id -> String in
            let parts = id.rawValue.split(separator: ".")
            let cluster = parts.first.flatMap { Int($0) } ?? -1
            let proc = parts.count > 1 ? Int(parts[1]) ?? -1 : 0
            return "(ClusterId == \(cluster) && ProcId == \(proc))"
        }
        return ["-constraint", terms.joined(separator: " || "), "-limit", String(ids.count)]
    }

    /// A ClassAd string literal.
    static func classAdString(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
