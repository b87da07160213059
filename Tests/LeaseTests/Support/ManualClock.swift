import Synchronization

/// A clock that moves only when the test calls ``advance(to:)``; sleepers wake when it passes
/// their deadline (or are cancelled).
final class ManualClock: Clock, Sendable {
    typealias Instant = TestInstant

    private struct Sleeper {
        var deadline: TestInstant
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now = TestInstant.at(0)
        var nextID = 0
        var sleepers: [Int: Sleeper] = [:]
    }

    private let state = Mutex(State())

    var now: TestInstant { state.withLock { $0.now } }
    var minimumResolution: Duration { .zero }

    /// Moves the clock to `instant` (never backwards) and wakes every sleeper now due.
    func advance(to instant: TestInstant) {
        let due = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            state.now = max(state.now, instant)
            let ready = state.sleepers.filter { $0.value.deadline <= state.now }
            for id in ready.keys { state.sleepers[id] = nil }
            return ready.values.map(\.continuation)
        }
        for continuation in due { continuation.resume() }
    }

    func sleep(until deadline: TestInstant, tolerance: Duration?) async throws {
        let id = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome = state.withLock { state -> Bool? in
                    if Task.isCancelled { return false }
                    if deadline <= state.now { return true }
                    state.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    return nil
                }
                switch outcome {
                case true?: continuation.resume()
                case false?: continuation.resume(throwing: CancellationError())
                case nil: break
                }
            }
        } onCancel: {
            state.withLock { $0.sleepers.removeValue(forKey: id) }?.continuation.resume(throwing: CancellationError())
        }
    }
}
