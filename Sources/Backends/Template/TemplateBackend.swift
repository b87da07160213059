import Foundation

/// A batch system driven through a ``CommandTemplate``: PBS, SGE, LSF (``TemplatePresets``) or
/// any system whose commands print a line (or block) per job.
public struct TemplateBackend: BatchBackend {
    public let kind: String
    public let template: CommandTemplate
    /// Variables for every command.
    public let environment: [String: String]
    /// Where job scripts are written (`<dir>/<name>.sh`); `nil` for each job's working directory.
    public let scriptDirectory: String?
    public let commandTimeout: Duration
    private let runner: ProcessRunner

    public init(kind: String, template: CommandTemplate, environment: [String: String] = [:],
                scriptDirectory: String? = nil, commandTimeout: Duration = BackendDefaults.commandTimeout,
                runner: ProcessRunner = ProcessRunner()) throws(BackendError) {
        try template.validate()
        self.kind = kind
        self.template = template
        self.environment = environment
        self.scriptDirectory = scriptDirectory
        self.commandTimeout = commandTimeout
        self.runner = runner
    }

    public func submit(_ request: BackendJobRequest) async throws(BackendError) -> BackendJobID {
        try request.validate()
        let script = JobScript.compose(request, changeDirectory: template.changeDirectoryInScript)
        let scriptPath = URL(fileURLWithPath: scriptDirectory ?? request.workingDirectory)
            .appendingPathComponent("\(request.name).sh").path
        if !template.scriptOnStandardInput {
            do {
                try Data(script.utf8).write(to: URL(fileURLWithPath: scriptPath))
                try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: scriptPath)
            } catch {
                throw BackendError(.io, "cannot write the job script \(scriptPath): \(error)")
            }
        }
        let arguments = TemplateText.expand(template.submit, values: Self.values(for: request, scriptPath: scriptPath))
        guard let executable = arguments.first else {
            throw BackendError(.invalidConfiguration, "the \(kind) submit template is empty")
        }
        var call = invocation(executable, Array(arguments.dropFirst()))
        call.workingDirectory = request.workingDirectory
        call.startsJobs = true
        if template.scriptOnStandardInput { call.standardInput = Data(script.utf8) }
        let result = try await runner.checked(call, "submitting \(request.name)")
        guard let id = TemplateText.capture(try TemplateText.regex(template.submittedIDPattern), in: result.standardOutput) else {
            throw BackendError(.unparsableOutput, "no job id matching /\(template.submittedIDPattern)/ in what \(executable) printed: \"\(result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines))\"",
                               command: result.commandLine)
        }
        return BackendJobID(id)
    }

    public func status(of ids: [BackendJobID]) async throws(BackendError) -> [BackendJobID: BackendJobState] {
        guard !ids.isEmpty else { return [:] }
        var states: [BackendJobID: BackendJobState] = [:]
        let wanted = Set(ids)
        for job in try await query(template.status, ids: ids.map(\.rawValue)) where wanted.contains(job.id) {
            states[job.id] = job.state
        }
        let missing = ids.filter { states[$0] == nil }
        if let history = template.history, !missing.isEmpty {
            for job in try await query(history, ids: missing.map(\.rawValue)) where wanted.contains(job.id) && states[job.id] == nil {
                states[job.id] = job.state
            }
        }
        for id in ids where states[id] == nil { states[id] = .notKnown }
        return states
    }

    public func cancel(_ ids: [BackendJobID]) async throws(BackendError) {
        guard !ids.isEmpty else { return }
        let arguments = TemplateText.expand(template.cancel, values: [:], ids: ids.map(\.rawValue))
        guard let executable = arguments.first else { return }
        let result = try await runner.run(invocation(executable, Array(arguments.dropFirst())))
        if !result.succeeded, !(try Self.matchesAny(template.cancelNoJobPatterns, result.standardError + result.standardOutput)) {
            _ = try result.checked("cancelling \(ids.count) job(s)")
        }
    }

    public func find(namePrefix prefix: String) async throws(BackendError) -> [BackendJobMatch] {
        guard let find = template.find else {
            throw BackendError(.invalidConfiguration, "the \(kind) template has no find command, so jobs cannot be found by name")
        }
        var found: [BackendJobID: BackendJobMatch] = [:]
        for job in try await query(find, ids: [], prefix: prefix) where job.name.hasPrefix(prefix) && found[job.id] == nil {
            found[job.id] = BackendJobMatch(id: job.id, name: job.name, state: job.state)
        }
        return found.values.sorted { $0.id < $1.id }
    }

    public func outputs(of id: BackendJobID, files: BackendOutputFiles?, tailBytes: Int) async throws(BackendError) -> BackendJobOutputs {
        guard let files else {
            throw BackendError(.notFound, "the \(kind) backend does not know where job \(id) wrote its output; pass the request's paths")
        }
        let state = try await status(of: id)
        return BackendJobOutputs(
            standardOutputTail: FileTail.read(files.standardOutputPath, bytes: tailBytes),
            standardErrorTail: FileTail.read(files.standardErrorPath, bytes: tailBytes),
            standardOutputPath: files.standardOutputPath, standardErrorPath: files.standardErrorPath,
            exitCode: state.isFinished ? state.exitCode : nil)
    }

    // MARK: Queries

    struct Job {
        var id: BackendJobID
        var name: String
        var state: BackendJobState
    }

    func query(_ query: CommandTemplate.Query, ids: [String], prefix: String? = nil) async throws(BackendError) -> [Job] {
        var values: [String: String] = [:]
        if let prefix { values["prefix"] = prefix }
        let arguments = TemplateText.expand(query.command, values: values, ids: ids)
        guard let executable = arguments.first else {
            throw BackendError(.invalidConfiguration, "a \(kind) query template is empty")
        }
        let result = try await runner.run(invocation(executable, Array(arguments.dropFirst())))
        if !result.succeeded {
            if try Self.matchesAny(query.noJobPatterns, result.standardError + result.standardOutput) {
                // Some systems print the jobs they know and fail for the others; keep what they printed.
                return try parse(result.standardOutput, query)
            }
            _ = try result.checked("querying \(kind) jobs")
        }
        return try parse(result.standardOutput, query)
    }

    func parse(_ text: String, _ query: CommandTemplate.Query) throws(BackendError) -> [Job] {
        let id = try TemplateText.regex(query.idPattern)
        let state = try query.statePattern.map { (p) throws(BackendError) in try TemplateText.regex(p) }
        let name = try query.namePattern.map { (p) throws(BackendError) in try TemplateText.regex(p) }
        let exit = try query.exitCodePattern.map { (p) throws(BackendError) in try TemplateText.regex(p) }
        let reason = try query.reasonPattern.map { (p) throws(BackendError) in try TemplateText.regex(p) }
        let start = try query.recordStart.map { (p) throws(BackendError) in try TemplateText.regex(p) }
        return TemplateText.records(text, recordStart: start).compactMap { record -> Job? in
            guard let jobID = TemplateText.capture(id, in: record) else { return nil }
            let raw = state.flatMap { TemplateText.capture($0, in: record) } ?? ""
            var kind = raw.isEmpty ? BackendJobState.Kind.other : (template.stateMap[raw] ?? .other)
            let code = exit.flatMap { TemplateText.capture($0, in: record) }.flatMap { Int32($0) }
            let finished = BackendJobState(kind, raw: raw).isFinished
            if kind == .completed, let code, code != 0 { kind = .failed }
            var why = reason.flatMap { TemplateText.capture($0, in: record) }
            if kind == .failed, why == nil, let code { why = "exit code \(code)" }
            return Job(id: BackendJobID(jobID),
                       name: name.flatMap { TemplateText.capture($0, in: record) } ?? "",
                       state: BackendJobState(kind, exitCode: finished ? code : nil, reason: why, raw: raw))
        }
    }

    private func invocation(_ executable: String, _ arguments: [String]) -> ProcessInvocation {
        ProcessInvocation(executable, arguments, environment: environment, timeout: commandTimeout)
    }

    static func matchesAny(_ patterns: [String], _ text: String) throws(BackendError) -> Bool {
        for pattern in patterns where TemplateText.capture(try TemplateText.regex("(" + pattern + ")"), in: text) != nil {
            return true
        }
        return false
    }

    /// The placeholder values of a request.
    static func values(for request: BackendJobRequest, scriptPath: String) -> [String: String] {
        var values = [
            "name": request.name, "script": scriptPath, "workdir": request.workingDirectory,
            "stdout": request.standardOutputPath, "stderr": request.standardErrorPath,
        ]
        if let cores = request.resources.cores { values["cores"] = String(cores) }
        if let memory = request.resources.memoryMB { values["memory_mb"] = String(memory) }
        if let wall = request.resources.wallTimeSeconds {
            values["walltime"] = String(format: "%02d:%02d:%02d", wall / 3600, (wall % 3600) / 60, wall % 60)
            values["walltime_seconds"] = String(wall)
            values["walltime_minutes"] = String((wall + 59) / 60)
        }
        return values
    }
}
