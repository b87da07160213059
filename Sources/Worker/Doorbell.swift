import Synchronization

/// A wake-up for a loop that sleeps between rounds: ``ring()`` makes the next (or current)
/// ``wait(for:)`` return at once; ``close()`` makes every wait return at once from then on.
/// A wait also returns when its task is cancelled.
final class Doorbell: Sendable {
    private struct State {
        var rung = false
        var closed = false
        var waiter: (id: UInt64, continuation: CheckedContinuation<Void, Never>)?
        var nextID: UInt64 = 0
    }

    private let state = Mutex(State())

    /// True once ``close()`` was called.
    var isClosed: Bool { state.withLock { $0.closed } }

    /// Wakes the waiter, or the next one.
    func ring() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.rung = true
            defer { state.waiter = nil }
            return state.waiter?.continuation
        }
        waiter?.resume()
    }

    /// Wakes every waiter, now and later.
    func close() {
        state.withLock { $0.closed = true }
        ring()
    }

    /// Returns after `duration`, or sooner when rung, closed or cancelled.
    func wait(for duration: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: duration) }
            group.addTask { await self.waitForRing() }
            await group.next()
            group.cancelAll()
        }
    }

    private func waitForRing() async {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.rung || state.closed || Task.isCancelled {
                        if !state.closed { state.rung = false }
                        return true
                    }
                    state.waiter = (id, continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                guard state.waiter?.id == id else { return nil }
                defer { state.waiter = nil }
                return state.waiter?.continuation
            }
            waiter?.resume()
        }
        state.withLock { if !$0.closed { $0.rung = false } }
    }
}
