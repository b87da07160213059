import Processing
import Testing

@Suite("Queue orders")
struct QueueOrderTests {
    static let entries = [
        QueueEntry(module: "Processing", run: 101, pass: 1, priority: 5, created: "2026-01-10T00:00:00Z"),
        QueueEntry(module: "Analysis", run: 100, pass: 1, priority: 9, created: "2026-01-15T00:00:00Z"),
        QueueEntry(module: "Processing", run: 100, pass: 2, priority: 1, created: "2026-02-01T00:00:00Z"),
        QueueEntry(module: "Processing", run: 100, pass: 1, priority: 1, created: "2026-02-01T00:00:00Z"),
    ]

    static func order(_ q: QueueOrder) -> [String] { q.sorted(entries).map { "\($0.module):\($0.run):\($0.pass)" } }

    @Test("runlevel: lowest run first, then module, then pass (the runlevel view's key)")
    func runlevel() {
        #expect(Self.order(.runlevel) == ["Analysis:100:1", "Processing:100:1", "Processing:100:2", "Processing:101:1"])
    }

    @Test("newfirst is runlevel backwards, as the view read descending")
    func newfirst() {
        #expect(Self.order(.newfirst) == Self.order(.runlevel).reversed())
    }

    @Test("priority: highest priority first, then lowest run")
    func priority() {
        #expect(Self.order(.priority) == ["Analysis:100:1", "Processing:101:1", "Processing:100:1", "Processing:100:2"])
    }

    @Test("serial: oldest created first")
    func serial() {
        #expect(Self.order(.serial) == ["Processing:101:1", "Analysis:100:1", "Processing:100:1", "Processing:100:2"])
    }

    @Test("each order names its view", arguments: QueueOrder.allCases)
    func views(order: QueueOrder) {
        let (design, name, descending) = order.view
        #expect(design == "queues")
        #expect(name == (order == .newfirst ? "runlevel" : order.rawValue))
        #expect(descending == (order == .newfirst))
    }

    @Test("a pass in retry backoff is not due until not_before")
    func backoff() {
        let entry = QueueEntry(module: "P", run: 1, pass: 1, notBefore: "2026-01-01T00:10:00.000Z")
        #expect(!entry.isDue(at: Timestamp.date("2026-01-01T00:09:59.000Z")!))
        #expect(entry.isDue(at: Timestamp.date("2026-01-01T00:10:00.000Z")!))
        #expect(QueueEntry(module: "P", run: 1, pass: 1).isDue(at: .distantPast))
    }
}
