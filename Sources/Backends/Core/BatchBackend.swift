/// A batch system behind one interface: submit, status of many, cancel, find by name, outputs.
///
/// Backends know batch systems, not the database: no job documents, no passes, only names,
/// scripts and batch-system ids. Implementations are `Sendable` (structs or actors) and never
/// block the Swift concurrency pool, so one caller can drive many jobs concurrently.
///
/// Exactly-once submission is the caller's protocol, made possible here: put the work's identity
/// and attempt in ``BackendJobRequest/name``; before submitting (again) after a crash, call
/// ``find(named:)``; it finds jobs in every state, finished ones included, for as long as the
/// batch system remembers them (see each backend for how long that is).
public protocol BatchBackend: Sendable {
    /// Which kind of batch system this is (`local`, `slurm`, `condor`, `pbs`, ...).
    var kind: String { get }

    /// Submits one job and returns its id. Does not look for an existing job of the same name:
    /// call ``find(named:)`` first when a previous submission may have happened.
    func submit(_ request: BackendJobRequest) async throws(BackendError) -> BackendJobID

    /// The states of many jobs, with as few batch-system calls as the system allows (one or two,
    /// not one per job). Every id asked for is in the answer; ids the backend does not know are
    /// ``BackendJobState/Kind/unknown``.
    func status(of ids: [BackendJobID]) async throws(BackendError) -> [BackendJobID: BackendJobState]

    /// Asks the batch system to cancel the jobs. Jobs already finished or unknown are not an error.
    func cancel(_ ids: [BackendJobID]) async throws(BackendError)

    /// Every job whose name starts with `prefix`, in any state the backend still remembers,
    /// ordered by id.
    func find(namePrefix prefix: String) async throws(BackendError) -> [BackendJobMatch]

    /// The job named exactly `name`, in any state; the earliest if there are several.
    func find(named name: String) async throws(BackendError) -> BackendJobID?

    /// The tails of the job's output files, its exit code and CPU seconds where known. `files`,
    /// when given, says where the outputs are (the paths the request named), for batch systems
    /// that forget finished jobs.
    func outputs(of id: BackendJobID, files: BackendOutputFiles?, tailBytes: Int) async throws(BackendError) -> BackendJobOutputs
}

/// A job found by name.
public struct BackendJobMatch: Sendable, Hashable {
    public var id: BackendJobID
    public var name: String
    /// Its state, when the same batch-system call said it.
    public var state: BackendJobState?

    public init(id: BackendJobID, name: String, state: BackendJobState? = nil) {
        self.id = id
        self.name = name
        self.state = state
    }
}

extension BatchBackend {
    /// The default: the earliest of ``find(namePrefix:)``'s matches with exactly this name.
    public func find(named name: String) async throws(BackendError) -> BackendJobID? {
        try await find(namePrefix: name).filter { $0.name == name }.map(\.id).min()
    }

    /// The outputs, from where the backend remembers them, with the last 64 KiB of each file.
    public func outputs(of id: BackendJobID) async throws(BackendError) -> BackendJobOutputs {
        try await outputs(of: id, files: nil, tailBytes: BackendDefaults.tailBytes)
    }

    /// The state of one job (one batch-system call).
    public func status(of id: BackendJobID) async throws(BackendError) -> BackendJobState {
        try await status(of: [id])[id] ?? .notKnown
    }
}

/// Defaults shared by the backends.
public enum BackendDefaults {
    /// How much of each output file ``BatchBackend/outputs(of:)`` returns: 64 KiB.
    public static let tailBytes = 64 * 1024
    /// How long a batch command may run before it is killed: 120 s.
    public static let commandTimeout: Duration = .seconds(120)
}
