import Foundation
import Synchronization

/// Named points in the cycle where a test can stop the worker at the worst moment, set by the
/// environment variable `GASP_FAILPOINTS` (`after-claim=stop-once`, several separated by
/// commas). Without the variable every point is a no-op.
///
/// - `stop`: the process stops itself (SIGSTOP) each time the point is reached, as a
///   scheduler pause, a swapped-out VM or a debugger would stop it; SIGCONT resumes it there.
/// - `stop-once`: the same, the first time only.
/// - `exit`: the process ends at once with status 70, as a crash would end it.
enum FailPoint: String, Sendable, CaseIterable {
    /// Claims written, nothing submitted yet.
    case afterClaim = "after-claim"
    /// Batch jobs submitted, their ids not yet recorded.
    case afterSubmit = "after-submit"

    enum Action: String { case stop, stopOnce = "stop-once", exit }

    private static let actions: [FailPoint: Action] = {
        guard let text = ProcessInfo.processInfo.environment["GASP_FAILPOINTS"] else { return [:] }
        var actions: [FailPoint: Action] = [:]
        for item in text.split(separator: ",") {
            let parts = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, let point = FailPoint(rawValue: parts[0]), let action = Action(rawValue: parts[1]) else { continue }
            actions[point] = action
        }
        return actions
    }()

    private static let fired = Mutex<Set<FailPoint>>([])

    /// Runs the action set for `point`, if any.
    static func hit(_ point: FailPoint) {
        guard let action = actions[point] else { return }
        switch action {
        case .stop:
            raise(SIGSTOP)
        case .stopOnce:
            if fired.withLock({ $0.insert(point).inserted }) { raise(SIGSTOP) }
        case .exit:
            _exit(70)
        }
    }
}
