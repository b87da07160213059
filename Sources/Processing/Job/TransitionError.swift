/// A status change the pass state machine does not allow.
public struct TransitionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of problem.
    public enum Code: String, Sendable, Hashable {
        /// The move is not in ``PassStatus/allowedNext``.
        case invalidTransition = "invalid_transition"
    }

    /// The kind of problem.
    public var code: Code
    /// The status the pass was in.
    public var from: PassStatus
    /// The status asked for.
    public var to: PassStatus
    /// The pass number, when known.
    public var pass: Int?

    /// Makes an error.
    public init(_ code: Code = .invalidTransition, from: PassStatus, to: PassStatus, pass: Int? = nil) {
        self.code = code
        self.from = from
        self.to = to
        self.pass = pass
    }

    public var description: String {
        let allowed = from.allowedNext.map(\.rawValue).sorted().joined(separator: ", ")
        return (pass.map { "pass \($0): " } ?? "") + "cannot move from \(from.rawValue) to \(to.rawValue)"
            + (allowed.isEmpty ? " (\(from.rawValue) is final)" : " (allowed: \(allowed))")
    }
}
