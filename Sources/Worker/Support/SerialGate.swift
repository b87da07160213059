/// Lets one piece of async work through at a time, in arrival order: the lease holder's cycle
/// and the site's own monitoring round never overlap in one worker, so a claim and its
/// submission are never seen half-done by the same process.
actor SerialGate {
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// Runs `work` once nothing else runs through the gate.
    func run<T: Sendable>(_ work: @Sendable () async throws -> T) async throws -> T {
        await enter()
        defer { leave() }
        return try await work()
    }

    private func enter() async {
        guard busy else {
            busy = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    private func leave() {
        if waiters.isEmpty {
            busy = false
        } else {
            waiters.removeFirst().resume()
        }
    }
}
