import Foundation
import Processing
import Testing

@Suite("Schedule: cron next and previous fire times")
struct ScheduleCronSearchTests {
    /// (expression, from, next after from, previous at or before from); the expectations come
    /// from a minute-stepping reference written separately with Python's datetime.
    static let cases: [(String, String, String, String)] = [
    ("*/15 * * * *", "2026-12-02T01:07:30Z", "2026-12-02T01:15:00Z", "2026-12-02T01:00:00Z"),
    ("*/15 * * * *", "2026-12-31T23:59:00Z", "2027-01-01T00:00:00Z", "2026-12-31T23:45:00Z"),
    ("0 0 29 2 *", "2026-01-01T00:00:00Z", "2028-02-29T00:00:00Z", "2024-02-29T00:00:00Z"),
    ("0 0 29 2 *", "2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z", "2028-02-29T00:00:00Z"),
    ("0 0 29 2 *", "2096-03-01T00:00:00Z", "2104-02-29T00:00:00Z", "2096-02-29T00:00:00Z"),
    ("0 12 31 * *", "2026-04-01T00:00:00Z", "2026-05-31T12:00:00Z", "2026-03-31T12:00:00Z"),
    ("0 12 31 * *", "2026-12-31T12:00:00Z", "2027-01-31T12:00:00Z", "2026-12-31T12:00:00Z"),
    ("0 0 1 * mon", "2026-12-01T00:00:00Z", "2026-12-07T00:00:00Z", "2026-12-01T00:00:00Z"),
    ("0 0 13 * fri", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z", "2025-12-26T00:00:00Z"),
    ("0 0 */10 * mon", "2026-01-01T00:00:00Z", "2026-05-11T00:00:00Z", "2025-12-01T00:00:00Z"),
    ("0 0 13 * */7", "2026-01-01T00:00:00Z", "2026-09-13T00:00:00Z", "2025-07-13T00:00:00Z"),
    ("@yearly", "2026-12-02T01:00:00Z", "2027-01-01T00:00:00Z", "2026-01-01T00:00:00Z"),
    ("@monthly", "2026-01-31T00:00:00Z", "2026-02-01T00:00:00Z", "2026-01-01T00:00:00Z"),
    ("@weekly", "2026-12-02T01:00:00Z", "2026-12-06T00:00:00Z", "2026-11-29T00:00:00Z"),
    ("@hourly", "2026-12-31T23:00:00Z", "2027-01-01T00:00:00Z", "2026-12-31T23:00:00Z"),
    ("59 23 31 12 *", "2026-12-31T23:59:00Z", "2027-12-31T23:59:00Z", "2026-12-31T23:59:00Z"),
    ("30 2 * * 1-5", "2026-12-04T03:00:00Z", "2026-12-07T02:30:00Z", "2026-12-04T02:30:00Z"),
    ("0 9 * * 7", "2026-12-02T00:00:00Z", "2026-12-06T09:00:00Z", "2026-11-29T09:00:00Z"),
    ("0 9 * * 5-7", "2026-12-06T10:00:00Z", "2026-12-11T09:00:00Z", "2026-12-06T09:00:00Z"),
    ("0 0 * jan,jul *", "2026-02-01T00:00:00Z", "2026-07-01T00:00:00Z", "2026-01-31T00:00:00Z"),
    ("5,35 1-3/2 * * *", "2026-12-02T03:35:00Z", "2026-12-03T01:05:00Z", "2026-12-02T03:35:00Z"),
    ("0 1 * * *", "2026-12-02T00:59:59Z", "2026-12-02T01:00:00Z", "2026-12-01T01:00:00Z"),
    ("1 2 * * *", "2026-12-02T02:01:00Z", "2026-12-03T02:01:00Z", "2026-12-02T02:01:00Z"),
    ("0 0 31 * *", "2026-05-15T00:00:00Z", "2026-05-31T00:00:00Z", "2026-03-31T00:00:00Z"),
    ("0 0 1 mar *", "2024-02-28T23:00:00Z", "2024-03-01T00:00:00Z", "2023-03-01T00:00:00Z"),
    ("15 10 28-31 * *", "2027-02-27T00:00:00Z", "2027-02-28T10:15:00Z", "2027-01-31T10:15:00Z"),
    ("0 0 1 1 *", "1969-06-01T00:00:00Z", "1970-01-01T00:00:00Z", "1969-01-01T00:00:00Z"),
    ]

    @Test("next and previous across month ends, leap years and year ends", arguments: cases)
    func nextAndPrevious(_ text: String, _ from: String, _ next: String, _ previous: String) throws {
        let cron = try CronExpression(text)
        #expect(utcText(cron.next(after: utc(from))) == next)
        #expect(utcText(cron.previous(atOrBefore: utc(from))) == previous)
    }

    @Test("previous(before:) excludes a fire time exactly at the instant, previous(atOrBefore:) includes it")
    func strictlyBefore() throws {
        let cron = try CronExpression("0 1 * * *")
        #expect(cron.previous(atOrBefore: utc("2026-12-02T01:00:00Z")) == utc("2026-12-02T01:00:00Z"))
        #expect(cron.previous(before: utc("2026-12-02T01:00:00Z")) == utc("2026-12-01T01:00:00Z"))
        #expect(cron.previous(before: utc("2026-12-02T01:00:30Z")) == utc("2026-12-02T01:00:00Z"))
        #expect(cron.next(after: utc("2026-12-02T01:00:00Z")) == utc("2026-12-03T01:00:00Z"))
        #expect(cron.next(after: utc("2026-12-02T00:59:59.999Z")) == utc("2026-12-02T01:00:00Z"))
    }

    @Test("next walks forward through every fire time the minute-by-minute matcher finds", arguments: [
        "*/7 3-5 * * *", "0 0 1,15 * 3", "30 */6 28-31 * *", "0 12 * feb,mar sat,sun", "0 0 29 2 *",
    ])
    func agreesWithMatching(_ text: String) throws {
        let cron = try CronExpression(text)
        var minute = utc("2027-12-25T00:00:00Z")
        let end = utc("2028-03-10T00:00:00Z")
        var expected: [Date] = []
        while minute < end {
            if cron.matches(minute) { expected.append(minute) }
            minute += 60
        }
        var found: [Date] = []
        var time = utc("2027-12-24T23:59:59Z")
        while case let next = cron.next(after: time), next < end {
            found.append(next)
            time = next
        }
        #expect(!expected.isEmpty)
        #expect(found == expected)
        var back: [Date] = []
        time = end - 1
        while case let previous = cron.previous(atOrBefore: time), previous >= utc("2027-12-25T00:00:00Z") {
            back.append(previous)
            time = previous - 1
        }
        #expect(back == expected.reversed())
    }

    @Test("a yearly schedule is found without stepping through minutes")
    func yearlyIsQuick() throws {
        let cron = try CronExpression("0 0 29 2 *")
        let clock = ContinuousClock()
        var time = utc("2001-01-01T00:00:00Z")
        let elapsed = clock.measure {
            for _ in 0..<200 { time = cron.next(after: time) }
        }
        #expect(utcText(time) == "2824-02-29T00:00:00Z")
        #expect(elapsed < .seconds(2))
    }

    @Test("a fixed UTC offset reads the fields on that wall clock")
    func offset() throws {
        let cron = try CronExpression("0 1 * * *", utcOffsetMinutes: -6 * 60)
        #expect(cron.next(after: utc("2026-12-02T00:00:00Z")) == utc("2026-12-02T07:00:00Z"))
        #expect(cron.previous(atOrBefore: utc("2026-12-02T00:00:00Z")) == utc("2026-12-01T07:00:00Z"))
        #expect(cron.matches(utc("2026-12-02T07:00:00Z")))
    }
}
