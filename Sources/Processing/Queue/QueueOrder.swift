/// The order in which a site claims waiting passes (`gasp_client`'s queue options).
public enum QueueOrder: String, Sendable, Hashable, CaseIterable {
    /// Lowest run first.
    case runlevel
    /// Highest run first.
    case newfirst
    /// Highest priority first, then lowest run.
    case priority
    /// Oldest created first.
    case serial

    /// The `queues` view that lists waiting passes in this order, and whether to read it
    /// descending (`newfirst` is `runlevel` backwards, so it needs no index of its own).
    public var view: (design: String, name: String, descending: Bool) {
        switch self {
        case .runlevel: ("queues", "runlevel", false)
        case .newfirst: ("queues", "runlevel", true)
        case .priority: ("queues", "priority", false)
        case .serial: ("queues", "serial", false)
        }
    }

    /// Whether `a` is claimed before `b` in this order. Ties are broken the way the view's key
    /// breaks them (run, module, pass), so this order and the view's agree exactly.
    public func precedes(_ a: QueueEntry, _ b: QueueEntry) -> Bool {
        func tail(_ x: QueueEntry, _ y: QueueEntry) -> Bool {
            if x.module != y.module { return x.module < y.module }
            return x.pass < y.pass
        }
        switch self {
        case .runlevel:
            return a.run != b.run ? a.run < b.run : tail(a, b)
        case .newfirst:
            return a.run != b.run ? a.run > b.run : tail(b, a)
        case .priority:
            if a.priority != b.priority { return a.priority > b.priority }
            return a.run != b.run ? a.run < b.run : tail(a, b)
        case .serial:
            if a.created != b.created { return a.created < b.created }
            return a.run != b.run ? a.run < b.run : tail(a, b)
        }
    }

    /// `entries` in this order.
    public func sorted(_ entries: [QueueEntry]) -> [QueueEntry] { entries.sorted(by: precedes) }
}
