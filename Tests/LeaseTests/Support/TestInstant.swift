/// An instant of a clock that only moves when a test says so: time since an origin, kept on a
/// microsecond grid so that `at(2.2) + 10 s == at(12.2)` despite binary fractions.
struct TestInstant: InstantProtocol, CustomStringConvertible {
    let offset: Duration

    init(offset: Duration) {
        let (seconds, attoseconds) = offset.components
        let micro: Int64 = 1_000_000_000_000
        let rounded = (attoseconds + (attoseconds >= 0 ? micro / 2 : -micro / 2)) / micro * micro
        self.offset = Duration(secondsComponent: seconds, attosecondsComponent: rounded)
    }

    /// The instant `seconds` after the origin.
    static func at(_ seconds: Double) -> TestInstant { TestInstant(offset: .seconds(seconds)) }

    func advanced(by duration: Duration) -> TestInstant { TestInstant(offset: offset + duration) }
    func duration(to other: TestInstant) -> Duration { other.offset - offset }
    static func < (lhs: TestInstant, rhs: TestInstant) -> Bool { lhs.offset < rhs.offset }

    var description: String { "t+\(offset)" }
}
