/// A job's state, normalised across batch systems, with the batch system's own words kept.
public struct BackendJobState: Sendable, Hashable, CustomStringConvertible {
    /// The normalised states.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// Waiting to start (Slurm PENDING, CONFIGURING, REQUEUED; HTCondor idle; PBS `Q`).
        case queued
        /// Started and not yet finished (Slurm RUNNING, COMPLETING; HTCondor running).
        case running
        /// Finished with exit code 0, or finished where the batch system reports no exit code
        /// (``BackendJobState/exitCode`` is then `nil`).
        case completed
        /// Finished unsuccessfully: a non-zero exit code, a signal, or lost.
        case failed
        /// Cancelled by a user or an administrator (Slurm CANCELLED, HTCondor removed).
        case cancelled
        /// Stopped at its wall-time limit (Slurm TIMEOUT, DEADLINE).
        case timedOut
        /// The node running it failed (Slurm NODE_FAIL, BOOT_FAIL).
        case nodeFailed
        /// Killed for exceeding its memory (Slurm OUT_OF_MEMORY).
        case outOfMemory
        /// Preempted by a higher-priority job (Slurm PREEMPTED).
        case preempted
        /// Held: it will not start until someone releases it (HTCondor held, PBS `H`).
        case held
        /// Suspended while running (Slurm SUSPENDED, HTCondor suspended).
        case suspended
        /// The backend no longer knows the job (finished long ago, or never existed).
        case unknown
        /// A state this module does not recognise; ``BackendJobState/raw`` says which. Treat it
        /// as still active: it is not evidence the job is gone.
        case other
    }

    /// The normalised state.
    public var kind: Kind
    /// The exit code, where known (also for failed jobs).
    public var exitCode: Int32?
    /// The signal that ended the job, where known.
    public var signal: Int32?
    /// Why: the batch system's reason (Slurm `NonZeroExitCode`, HTCondor `HoldReason`) or ours.
    public var reason: String?
    /// The batch system's own state text, e.g. `CANCELLED by 0` or `JobStatus=5`.
    public var raw: String

    public init(_ kind: Kind, exitCode: Int32? = nil, signal: Int32? = nil, reason: String? = nil, raw: String) {
        self.kind = kind
        self.exitCode = exitCode
        self.signal = signal
        self.reason = reason
        self.raw = raw
    }

    /// Whether the job has ended (or is unknown): it will not change any more by itself.
    public var isFinished: Bool {
        switch kind {
        case .queued, .running, .held, .suspended, .other: false
        case .completed, .failed, .cancelled, .timedOut, .nodeFailed, .outOfMemory, .preempted, .unknown: true
        }
    }

    /// Whether the job finished successfully.
    public var isSuccess: Bool { kind == .completed && (exitCode ?? 0) == 0 }

    /// The state for a job the backend does not know.
    public static let notKnown = BackendJobState(.unknown, raw: "")

    public var description: String {
        var text = kind.rawValue
        if let exitCode { text += " exit \(exitCode)" }
        if let signal { text += " signal \(signal)" }
        if let reason, !reason.isEmpty { text += " (\(reason))" }
        if !raw.isEmpty { text += " [\(raw)]" }
        return text
    }
}
