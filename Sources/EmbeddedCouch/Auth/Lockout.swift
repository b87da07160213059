/// CouchDB 3.4's account lockout (`[chttpd_auth_lockout]`, mode `enforce`): failed password
/// checks are counted per (client address, user name, password salt); once `threshold` have
/// failed, every check for that key is refused with 403 — even with the right password — until
/// `duration` seconds after the first counted failure (CouchDB keeps the counter in an LRU whose
/// entries live `max_lifetime` = 5 minutes from insertion). A user recreated with a new salt
/// starts afresh. Successful checks do not reset the counter.
actor LoginLockout {
    /// What failures are counted against.
    struct Key: Hashable, Sendable {
        var clientAddress: String
        var name: String
        var salt: String
    }

    private struct Entry {
        var failures: Int
        var firstFailure: Int64
    }

    /// Failures that lock an account; 0 turns lockout off.
    let threshold: Int
    /// Seconds a counter lives after its first failure.
    let duration: Int64
    /// Most keys remembered; the oldest are forgotten first.
    let capacity: Int
    private let clock: AuthClock
    private var entries: [Key: Entry] = [:]

    /// The error CouchDB answers for a locked account.
    static let lockedError = CouchHTTPError.forbidden(
        "Account is temporarily locked due to multiple authentication failures")

    init(threshold: Int = 5, duration: Int64 = 300, capacity: Int = 10_000, clock: AuthClock = .system) {
        self.threshold = threshold
        self.duration = duration
        self.capacity = max(1, capacity)
        self.clock = clock
    }

    /// Whether checks for `key` are refused now.
    func isLocked(_ key: Key) -> Bool {
        guard threshold > 0, let entry = liveEntry(key, now: clock.now()) else { return false }
        return entry.failures >= threshold
    }

    /// Counts one failed password check for `key`.
    func recordFailure(_ key: Key) {
        guard threshold > 0 else { return }
        let now = clock.now()
        if var entry = liveEntry(key, now: now) {
            entry.failures += 1
            entries[key] = entry
        } else {
            if entries.count >= capacity { evict(now: now) }
            entries[key] = Entry(failures: 1, firstFailure: now)
        }
    }

    /// The failures currently counted for `key` (for tests and diagnostics).
    func failures(_ key: Key) -> Int {
        liveEntry(key, now: clock.now())?.failures ?? 0
    }

    private func liveEntry(_ key: Key, now: Int64) -> Entry? {
        guard let entry = entries[key] else { return nil }
        if now - entry.firstFailure >= duration {
            entries[key] = nil
            return nil
        }
        return entry
    }

    /// Drops expired counters, then (if still full) the older half.
    private func evict(now: Int64) {
        entries = entries.filter { now - $0.value.firstFailure < duration }
        guard entries.count >= capacity else { return }
        let cutoff = entries.values.map(\.firstFailure).sorted()[entries.count / 2]
        entries = entries.filter { $0.value.firstFailure > cutoff }
    }
}
