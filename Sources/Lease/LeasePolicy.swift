/// The timing rules of the lease, as fractions of the lease seconds stored in the document.
///
/// With the defaults and a 15 s lease the holder renews every 5 s, stops its guarded work if
/// no renewal has succeeded 10 s after the last one was sent, and an observer takes over
/// 15.75 s after it last saw the document change.
public struct LeasePolicy: Sendable, Hashable {
    /// How much faster or slower one host's monotonic clock may run than another's: observers
    /// wait `lease × (1 + driftMargin)` before judging a lease expired.
    public var driftMargin: Double
    /// The holder renews every `lease × renewInterval` (1/3).
    public var renewInterval: Double
    /// The holder gives up (stops guarded work, counts the lease as lost) when no renewal
    /// succeeded within `lease × renewDeadline` of sending the last successful one (2/3).
    /// Must be below 1, so the work stops before any observer can judge the lease expired.
    public var renewDeadline: Double
    /// In rotate mode, how long the site named `next` has to take its turn before any other
    /// site may acquire the lease, as a fraction of the lease (1).
    public var turnGrace: Double

    /// Makes a policy; see ``validate()``.
    public init(driftMargin: Double = 0.05, renewInterval: Double = 1.0 / 3, renewDeadline: Double = 2.0 / 3, turnGrace: Double = 1) {
        self.driftMargin = driftMargin
        self.renewInterval = renewInterval
        self.renewDeadline = renewDeadline
        self.turnGrace = turnGrace
    }

    /// The defaults.
    public static let standard = LeasePolicy()

    /// Throws ``LeaseError/Code/invalidConfiguration`` unless
    /// `0 ≤ driftMargin < 1`, `0 < renewInterval < renewDeadline < 1` and `turnGrace ≥ 0`.
    public func validate() throws(LeaseError) {
        guard driftMargin >= 0, driftMargin < 1 else {
            throw LeaseError(.invalidConfiguration, "drift margin \(driftMargin) must be at least 0 and below 1")
        }
        guard renewInterval > 0, renewInterval < renewDeadline else {
            throw LeaseError(.invalidConfiguration, "renew interval \(renewInterval) must be above 0 and below the renew deadline \(renewDeadline)")
        }
        guard renewDeadline < 1 else {
            throw LeaseError(.invalidConfiguration, "renew deadline \(renewDeadline) must be below 1 (the whole lease)")
        }
        guard turnGrace >= 0 else {
            throw LeaseError(.invalidConfiguration, "turn grace \(turnGrace) must not be negative")
        }
    }

    /// How long an observer waits after it last saw the document change.
    public func expiry(of lease: Duration) -> Duration { lease * (1 + driftMargin) }
    /// How long after sending a successful write the holder renews.
    public func renewAfter(_ lease: Duration) -> Duration { lease * renewInterval }
    /// How long after sending its last successful write the holder may keep working.
    public func renewDeadline(of lease: Duration) -> Duration { lease * renewDeadline }
    /// How long the named next site has to take its turn.
    public func turnGrace(of lease: Duration) -> Duration { lease * turnGrace }
}
