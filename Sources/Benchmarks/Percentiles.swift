/// Latency samples and their percentiles.
public struct LatencySamples: Sendable {
    private var values: [Duration] = []

    public init() {}

    /// Adds one sample.
    public mutating func add(_ value: Duration) { values.append(value) }

    /// The number of samples.
    public var count: Int { values.count }

    /// The `p`-th percentile (0...100) in milliseconds, nearest-rank; 0 without samples.
    public func percentileMilliseconds(_ p: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        let value = sorted[min(max(rank - 1, 0), sorted.count - 1)]
        return value.milliseconds
    }
}

extension Duration {
    /// The duration in milliseconds.
    public var milliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }

    /// The duration in seconds.
    public var secondsValue: Double { milliseconds / 1000 }
}
