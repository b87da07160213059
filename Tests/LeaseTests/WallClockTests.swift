import Foundation
import Lease
import Testing

@Suite("Wall-clock stamps read back without a date formatter")
struct WallClockTests {
    @Test("a stamp reads back as the seconds it was written at, to the millisecond")
    func roundTrip() throws {
        let before = Date().timeIntervalSince1970
        let seconds = try #require(WallClock.secondsSince1970(WallClock.now()))
        #expect(abs(seconds - before) < 1)
        #expect(WallClock.secondsSince1970("1970-01-01T00:00:00Z") == 0)
        #expect(abs((WallClock.secondsSince1970("2026-11-22T04:05:10.123Z") ?? 0) - 1_795_320_310.123) < 1e-6)
        #expect(WallClock.secondsSince1970("2024-02-29T23:59:59.5Z") == 1_709_251_199.5)
    }

    @Test("anything else is nil", arguments: [
        "", "2026-11-22", "2026-11-22T04:05:10", "2026-11-22T04:05:10+01:00", "2026-13-22T04:05:10Z",
        "2026-11-22 04:05:10Z", "2026-11-22T04:05:10.Z", "2026-11-22T04:05:1xZ",
    ])
    func malformed(text: String) {
        #expect(WallClock.secondsSince1970(text) == nil)
    }
}
