/// The status of a pass (and of each of its subjobs): the SNO+ set, with the same spellings.
public enum PassStatus: String, Sendable, Hashable, CaseIterable, Codable {
    /// Created or reset: eligible to be claimed once its prerequisites are met.
    case waiting
    /// Claimed by a site and handed to its backend.
    case submitted
    /// Running in the backend.
    case running
    /// Every expected output catalogued; dependants may start.
    case completed
    /// Failed, and the cycle's retry policy gave up on it (a failure it retries goes back to
    /// `waiting` instead): an end state until an operator retries it.
    case failed
    /// Some subjobs completed, others failed.
    case partFail
    /// Its prerequisites cannot be met.
    case unsatisfied
    /// Stopped by an operator.
    case canceled
    /// Its outputs were removed.
    case deleted

    /// The statuses a pass in this status may move to. Anything else is a
    /// ``TransitionError``; staying in the same status is not a transition.
    ///
    /// - `waiting` is left by a claim (`submitted`), by prerequisite resolution (`unsatisfied`),
    ///   or by an operator (`canceled`, `deleted`).
    /// - `submitted` and `running` end in `completed`, `failed` or `partFail`, or go back to
    ///   `waiting` when a stuck pass is reset or a transient failure is retried.
    /// - Every end state except `deleted` can be sent back to `waiting` by an operator's
    ///   retry; `completed` passes can have their outputs removed (`deleted`).
    /// - `deleted` is final: reprocessing makes a new pass.
    public var allowedNext: Set<PassStatus> {
        switch self {
        case .waiting: [.submitted, .unsatisfied, .canceled, .deleted]
        case .submitted: [.running, .completed, .failed, .partFail, .waiting, .canceled]
        case .running: [.completed, .failed, .partFail, .waiting, .canceled]
        case .completed: [.waiting, .deleted]
        case .failed: [.waiting, .canceled, .deleted]
        case .partFail: [.waiting, .canceled, .deleted]
        case .unsatisfied: [.waiting, .canceled, .deleted]
        case .canceled: [.waiting, .deleted]
        case .deleted: []
        }
    }

    /// Whether moving from this status to `next` is allowed.
    public func canMove(to next: PassStatus) -> Bool { allowedNext.contains(next) }

    /// True while a backend may be working on the pass (`submitted`, `running`).
    public var isActive: Bool { self == .submitted || self == .running }

    /// True for statuses nothing moves out of without an operator (`completed`, `failed`,
    /// `partFail`, `unsatisfied`, `canceled`, `deleted`).
    public var isEnd: Bool { !(self == .waiting || isActive) }
}
