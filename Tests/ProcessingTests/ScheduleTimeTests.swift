import Foundation
import Processing
import Testing

/// `2026-12-02T01:00:00Z` as a date, for tests.
func utc(_ text: String) -> Date {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    if let date = formatter.date(from: text) { return date }
    formatter.formatOptions = [.withInternetDateTime]
    guard let date = formatter.date(from: text) else { fatalError("bad test time \(text)") }
    return date
}

/// A date as `2026-12-02T01:00:00Z`, for readable expectations.
func utcText(_ date: Date) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime]
    return formatter.string(from: date)
}

@Suite("Schedule: times in window ids and documents")
struct ScheduleTimeTests {
    @Test("window ids carry the fire time as yyyyMMddTHHmmssZ in UTC", arguments: [
        ("2026-12-02T01:00:00Z", "window:s:20261202T010000Z"),
        ("2028-02-29T23:59:00Z", "window:s:20280229T235900Z"),
        ("1969-12-31T23:59:00Z", "window:s:19691231T235900Z"),
        ("2100-03-01T00:00:00Z", "window:s:21000301T000000Z"),
        ("2026-12-02T01:00:59.900Z", "window:s:20261202T010059Z"),
    ])
    func ids(_ fire: String, _ id: String) {
        #expect(WindowDocument.id(schedule: "s", fire: utc(fire)) == id)
    }

    @Test("document times are written and read back in UTC, before 1970 too", arguments: [
        "2026-12-02T01:00:00Z", "2028-02-29T12:34:56Z", "1969-07-20T20:17:00Z", "2400-12-31T23:59:59Z",
    ])
    func timesRoundTrip(_ text: String) throws {
        let window = WindowDocument(
            schedule: "s", fire: utc(text), start: utc(text) - 3600, end: utc(text), module: "m", draftDirectory: "/d",
            outputDirectory: "/o")
        #expect(window.json["fire"]?.stringValue == text)
        #expect(try WindowDocument(json: window.json).fire == utc(text))
    }
}
