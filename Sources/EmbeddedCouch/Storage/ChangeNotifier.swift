/// Wakes `_changes` feeds waiting for a database to move past a sequence.
///
/// Writers call ``advance(to:)`` after each commit; a feed calls ``wait(after:timeout:)`` and is
/// resumed by the next commit past its sequence, by its timeout, or by cancellation of the
/// waiting task. No polling.
actor ChangeNotifier {
    private var current: Int
    private var waiters: [Int: (after: Int, continuation: CheckedContinuation<Bool, Never>)] = [:]
    /// Waits reserved but not yet suspended, and those given up before they suspended.
    private var reserved: Set<Int> = []
    private var abandoned: Set<Int> = []
    private var nextID = 0

    init(current: Int) { self.current = current }

    /// The last committed sequence.
    var currentSequence: Int { current }

    /// Records a commit and wakes every waiter it satisfies.
    func advance(to sequence: Int) {
        guard sequence > current else { return }
        current = sequence
        for (id, waiter) in waiters where waiter.after < sequence {
            waiters[id] = nil
            waiter.continuation.resume(returning: true)
        }
    }

    /// Waits until the sequence passes `after` (true), or `timeout` elapses or the task is
    /// cancelled (false).
    nonisolated func wait(after: Int, timeout: Duration) async -> Bool {
        let id = await reserve()
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask { await self.suspend(id, after: after) }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            await self.abandon(id)
            group.cancelAll()
            return first
        }
    }

    private func reserve() -> Int {
        nextID += 1
        reserved.insert(nextID)
        return nextID
    }

    private func suspend(_ id: Int, after: Int) async -> Bool {
        reserved.remove(id)
        if abandoned.remove(id) != nil { return false }
        if current > after { return true }
        return await withCheckedContinuation { continuation in
            waiters[id] = (after, continuation)
        }
    }

    private func abandon(_ id: Int) {
        if let waiter = waiters.removeValue(forKey: id) {
            waiter.continuation.resume(returning: false)
        } else if reserved.remove(id) != nil {
            abandoned.insert(id)
        }
    }
}
