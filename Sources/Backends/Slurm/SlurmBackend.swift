import Foundation
import Logging

/// Slurm through its commands: `sbatch`, `squeue`, `sacct`, `scontrol`, `scancel`.
///
/// Status of many jobs is one `squeue -t all -j ids` call, which also shows jobs finished less
/// than `MinJobAge` seconds ago (slurm.conf, 300 by default) with their exit codes; ids it no
/// longer shows are asked of `sacct` in one more call. Where accounting is off
/// (`AccountingStorageType=accounting_storage/none`, no slurmdbd) `sacct` answers "Slurm
/// accounting storage is disabled": the backend notices once and from then on relies on
/// squeue and `scontrol` alone, so finished jobs are known for `MinJobAge` seconds only, and
/// after that are ``BackendJobState/Kind/unknown``.
public struct SlurmBackend: BatchBackend {
    /// How the backend is set up.
    public struct Configuration: Sendable, Hashable {
        /// Where the commands are (paths or names on `PATH`).
        public var sbatch = "sbatch"
        public var squeue = "squeue"
        public var sacct = "sacct"
        public var scontrol = "scontrol"
        public var scancel = "scancel"
        /// Variables for every command, e.g. `SLURM_CONF`.
        public var environment: [String: String] = [:]
        /// `--partition`, `--account`, `--qos` for every job, when set.
        public var partition: String?
        public var account: String?
        public var qos: String?
        /// More `sbatch` arguments for every job (e.g. `--constraint=haswell`).
        public var extraSubmitArguments: [String] = []
        /// Whether to ask `sacct` about jobs squeue no longer shows.
        public var accounting: Accounting = .auto
        /// Whose jobs ``SlurmBackend/find(namePrefix:)`` lists (`squeue -u`); `nil` for this
        /// process's user.
        public var user: String?
        /// How far back `sacct` looks when finding jobs by name.
        public var findLookback: Duration = .seconds(30 * 86_400)
        /// How long one command may take.
        public var commandTimeout: Duration = BackendDefaults.commandTimeout

        public init() {}
    }

    /// Whether `sacct` is used.
    public enum Accounting: String, Sendable, Hashable, Codable {
        /// Use it until it says accounting storage is disabled.
        case auto
        /// Always use it; its errors are errors.
        case always
        /// Never: squeue and scontrol only.
        case never
    }

    public let kind = "slurm"
    public let configuration: Configuration
    private let runner: ProcessRunner
    private let accountingProbe = AccountingProbe()
    private let logger: Logger

    public init(configuration: Configuration = Configuration(), runner: ProcessRunner = ProcessRunner(),
                logger: Logger = Logger(label: "gasp.backends.slurm")) {
        self.configuration = configuration
        self.runner = runner
        self.logger = logger
    }

    // MARK: BatchBackend

    public func submit(_ request: BackendJobRequest) async throws(BackendError) -> BackendJobID {
        try request.validate()
        let script = JobScript.compose(request)
        let result = try await run(configuration.sbatch, submitArguments(for: request),
                                   input: Data(script.utf8), what: "submitting \(request.name)")
        return try SlurmOutputParsers.sbatchID(result.standardOutput)
    }

    /// The `sbatch` arguments for a request (the script goes on standard input).
    public func submitArguments(for request: BackendJobRequest) -> [String] {
        var arguments = [
            "--parsable",
            "--job-name=\(request.name)",
            "--chdir=\(request.workingDirectory)",
            "--output=\(Self.escapePattern(request.standardOutputPath))",
            "--error=\(Self.escapePattern(request.standardErrorPath))",
        ]
        if let cores = request.resources.cores { arguments.append("--cpus-per-task=\(cores)") }
        if let memory = request.resources.memoryMB { arguments.append("--mem=\(memory)M") }
        if let wall = request.resources.wallTimeSeconds {
            arguments.append("--time=\(SlurmOutputParsers.timeLimit(seconds: wall))")
        }
        if let partition = configuration.partition { arguments.append("--partition=\(partition)") }
        if let account = configuration.account { arguments.append("--account=\(account)") }
        if let qos = configuration.qos { arguments.append("--qos=\(qos)") }
        arguments += configuration.extraSubmitArguments
        return arguments
    }

    public func status(of ids: [BackendJobID]) async throws(BackendError) -> [BackendJobID: BackendJobState] {
        var states: [BackendJobID: BackendJobState] = [:]
        // One malformed id makes squeue reject the whole list ("Invalid job id specified"), which
        // would read as every job being forgotten; such ids are unknown without asking.
        let wellFormed = Set(ids.filter(Self.isJobID))
        for chunk in Self.chunks(wellFormed.sorted()) {
            for record in try await squeue(["-j", chunk.map(\.rawValue).joined(separator: ",")])
            where chunk.contains(record.id) {
                states[record.id] = record.state
            }
        }
        let missing = wellFormed.filter { states[$0] == nil }
        if !missing.isEmpty {
            for chunk in Self.chunks(missing.sorted()) {
                for record in try await sacct(["-j", chunk.map(\.rawValue).joined(separator: ",")], filtering: false)
                where states[record.id] == nil {
                    states[record.id] = record.state
                }
            }
        }
        for id in ids where states[id] == nil { states[id] = .notKnown }
        return states
    }

    public func cancel(_ ids: [BackendJobID]) async throws(BackendError) {
        let ids = ids.filter(Self.isJobID)
        guard !ids.isEmpty else { return }
        let result = try await runner.run(invocation(configuration.scancel, ids.map(\.rawValue)))
        // scancel exits non-zero when some job had already finished; that is not an error here.
        if !result.succeeded,
           !result.standardError.contains("already completing or completed"),
           !result.standardError.contains("Invalid job id") {
            _ = try result.checked("cancelling \(ids.count) job(s)")
        }
    }

    public func find(namePrefix prefix: String) async throws(BackendError) -> [BackendJobMatch] {
        var found: [BackendJobID: BackendJobMatch] = [:]
        for record in try await squeue(["-u", configuration.user ?? NSUserName()]) where record.name.hasPrefix(prefix) {
            found[record.id] = BackendJobMatch(id: record.id, name: record.name, state: record.state)
        }
        for record in try await sacct(["-S", lookbackStart()], filtering: true)
        where record.name.hasPrefix(prefix) && found[record.id] == nil {
            found[record.id] = BackendJobMatch(id: record.id, name: record.name, state: record.state)
        }
        return found.values.sorted { $0.id < $1.id }
    }

    public func find(named name: String) async throws(BackendError) -> BackendJobID? {
        // --name takes a comma-separated list; a name with a comma is looked for among all jobs.
        guard !name.contains(",") else {
            return try await find(namePrefix: name).filter { $0.name == name }.map(\.id).min()
        }
        var ids = try await squeue(["--name=\(name)"]).filter { $0.name == name }.map(\.id)
        if ids.isEmpty {
            ids = try await sacct(["--name=\(name)", "-S", lookbackStart()], filtering: true)
                .filter { $0.name == name }.map(\.id)
        }
        return ids.min()
    }

    public func outputs(of id: BackendJobID, files: BackendOutputFiles?, tailBytes: Int) async throws(BackendError) -> BackendJobOutputs {
        let shown = try await scontrol(id)
        var exitCode = shown.flatMap { $0.state.isFinished ? $0.state.exitCode : nil }
        var cpu: Double?
        if let accounted = try await sacct(["-j", id.rawValue], filtering: false).first(where: { $0.id == id }) {
            exitCode = exitCode ?? (accounted.state.isFinished ? accounted.state.exitCode : nil)
            cpu = accounted.cpuSeconds
        }
        guard let out = files?.standardOutputPath ?? shown?.standardOutputPath,
              let err = files?.standardErrorPath ?? shown?.standardErrorPath else {
            throw BackendError(.notFound, "Slurm no longer knows where job \(id) wrote its output; pass the request's paths")
        }
        return BackendJobOutputs(
            standardOutputTail: FileTail.read(out, bytes: tailBytes),
            standardErrorTail: FileTail.read(err, bytes: tailBytes),
            standardOutputPath: out, standardErrorPath: err,
            exitCode: exitCode, cpuSeconds: cpu)
    }

    // MARK: Commands

    private func squeue(_ selection: [String]) async throws(BackendError) -> [SlurmJobRecord] {
        let result = try await runner.run(invocation(
            configuration.squeue, ["-h", "-t", "all"] + selection + ["-O", SlurmOutputParsers.squeueFormat]))
        if !result.succeeded {
            // squeue -j with only ids it has forgotten fails instead of printing nothing.
            if result.standardError.contains("Invalid job id") { return [] }
            _ = try result.checked("listing jobs with squeue")
        }
        return try SlurmOutputParsers.squeue(result.standardOutput)
    }

    /// `sacct` records, or none when accounting is off. `filtering`: the selection is by name
    /// or time, not by id (only matters for messages).
    private func sacct(_ selection: [String], filtering: Bool) async throws(BackendError) -> [SlurmJobRecord] {
        switch configuration.accounting {
        case .never: return []
        case .auto: if await accountingProbe.disabled { return [] }
        case .always: break
        }
        let result = try await runner.run(invocation(
            configuration.sacct, ["-P", "-n", "-X"] + selection + ["-o", SlurmOutputParsers.sacctFields]))
        if !result.succeeded {
            if configuration.accounting == .auto, Self.isAccountingDisabled(result.standardError + result.standardOutput) {
                if await accountingProbe.markDisabled() {
                    logger.notice("sacct: accounting storage is disabled; finished Slurm jobs are known only while squeue shows them (MinJobAge)")
                }
                return []
            }
            _ = try result.checked("querying Slurm accounting with sacct")
        }
        return try SlurmOutputParsers.sacct(result.standardOutput)
    }

    private func scontrol(_ id: BackendJobID) async throws(BackendError) -> SlurmJobRecord? {
        let result = try await runner.run(invocation(configuration.scontrol, ["-o", "show", "job", id.rawValue]))
        if !result.succeeded {
            if result.standardError.contains("Invalid job id") { return nil }
            _ = try result.checked("showing job \(id) with scontrol")
        }
        return SlurmOutputParsers.scontrol(result.standardOutput).first { $0.id == id }
    }

    private func run(_ executable: String, _ arguments: [String], input: Data?, what: String) async throws(BackendError) -> ProcessResult {
        var call = invocation(executable, arguments)
        call.standardInput = input
        call.startsJobs = true
        return try await runner.checked(call, what)
    }

    private func invocation(_ executable: String, _ arguments: [String]) -> ProcessInvocation {
        ProcessInvocation(executable, arguments, environment: configuration.environment, timeout: configuration.commandTimeout)
    }

    private func lookbackStart() -> String {
        let start = Date().addingTimeInterval(-configuration.findLookback.timeInterval)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss"
        return formatter.string(from: start)
    }

    /// A Slurm job id: `1234`, or an array task `1234_5`.
    static func isJobID(_ id: BackendJobID) -> Bool {
        let parts = id.rawValue.split(separator: "_", omittingEmptySubsequences: false)
        return (1...2).contains(parts.count) && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }
    }

    static func isAccountingDisabled(_ text: String) -> Bool {
        text.contains("accounting storage is disabled") || text.contains("Accounting storage is disabled")
    }

    /// `%` starts a filename pattern in sbatch (`%j`); `%%` is a literal one.
    static func escapePattern(_ path: String) -> String { path.replacingOccurrences(of: "%", with: "%%") }

    static func chunks(_ ids: [BackendJobID], size: Int = 500) -> [[BackendJobID]] {
        stride(from: 0, to: ids.count, by: size).map { Array(ids[$0..<min($0 + size, ids.count)]) }
    }
}

/// Remembers that `sacct` said accounting is disabled, for every copy of the backend.
private actor AccountingProbe {
    private(set) var disabled = false

    /// Returns whether this call was the first to notice.
    func markDisabled() -> Bool {
        defer { disabled = true }
        return !disabled
    }
}
