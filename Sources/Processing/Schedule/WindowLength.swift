/// How far back a scheduled window reaches from its fire time, given as the data grabbers'
/// `--days`, `--hours`, `--minutes` and `--seconds` are (they add up).
public struct WindowLength: Sendable, Hashable, CustomStringConvertible {
    /// Whole days (24 hours each; UTC has no short days).
    public var days: Int
    /// Hours.
    public var hours: Int
    /// Minutes.
    public var minutes: Int
    /// Seconds.
    public var seconds: Int

    /// A length of the parts given; the rest are zero.
    public init(days: Int = 0, hours: Int = 0, minutes: Int = 0, seconds: Int = 0) {
        self.days = days
        self.hours = hours
        self.minutes = minutes
        self.seconds = seconds
    }

    /// The whole length in seconds.
    public var totalSeconds: Int { ((days * 24 + hours) * 60 + minutes) * 60 + seconds }

    /// E.g. `1d 6h`, or `0s`.
    public var description: String {
        let parts = [(days, "d"), (hours, "h"), (minutes, "m"), (seconds, "s")].filter { $0.0 != 0 }.map { "\($0.0)\($0.1)" }
        return parts.isEmpty ? "0s" : parts.joined(separator: " ")
    }
}
