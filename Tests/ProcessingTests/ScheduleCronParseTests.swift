import Foundation
import Processing
import Testing

@Suite("Schedule: cron expressions parse")
struct ScheduleCronParseTests {
    @Test("equivalent spellings fire at the same minutes", arguments: [
        ("0 9 * * 0", "0 9 * * 7"),
        ("0 9 * * 0", "0 9 * * SUN"),
        ("0 9 * * 1-5", "0 9 * * mon-fri"),
        ("0 0 1 1 *", "@yearly"),
        ("0 0 1 1 *", "@annually"),
        ("0 0 1 * *", "@monthly"),
        ("0 0 * * 0", "@weekly"),
        ("0 0 * * *", "@daily"),
        ("0 0 * * *", "@midnight"),
        ("0 * * * *", "@hourly"),
        ("0 0 1 6 *", "0 0 1 Jun *"),
        ("0,15,30,45 * * * *", "*/15 * * * *"),
        ("1,6,11,16,21,26 * * * *", "1-30/5 * * * *"),
        ("5,20,35,50 * * * *", "5/15 * * * *"),
        ("0 0 * * 5,6,0", "0 0 * * 5-7"),
    ])
    func equivalent(_ a: String, _ b: String) throws {
        let first = try CronExpression(a)
        let second = try CronExpression(b)
        var time = utc("2026-01-01T00:00:00Z")
        for _ in 0..<40 {
            let next = first.next(after: time)
            #expect(second.next(after: time) == next, "\(a) vs \(b) after \(utcText(time))")
            time = next
        }
    }

    @Test("a bad field is reported with the field and the token", arguments: [
        ("61 * * * *", CronError.Code.outOfRange, "minute field: 61 is out of range 0-59"),
        ("0 24 * * *", .outOfRange, "hour field: 24 is out of range 0-23"),
        ("0 0 0 * *", .outOfRange, "day-of-month field: 0 is out of range 1-31"),
        ("0 0 * 13 *", .outOfRange, "month field: 13 is out of range 1-12"),
        ("0 0 * * 8", .outOfRange, "day-of-week field: 8 is out of range 0-7"),
        ("0 0 * foo *", .invalidToken, "month field: foo is not a number or a name such as jan"),
        ("x * * * *", .invalidToken, "minute field: x is not a number"),
        ("+5 * * * *", .invalidToken, "minute field: +5 is not a number"),
        ("1,,2 * * * *", .invalidToken, "minute field: empty list item in 1,,2"),
        ("*/0 * * * *", .invalidStep, "minute field: */0 needs a positive whole step after /"),
        ("0 5-2 * * *", .invalidRange, "hour field: 5-2 is a backwards range"),
        ("0 0 * * fri-mon", .invalidRange, "day-of-week field: fri-mon is a backwards range"),
        ("0 0 * *", .fieldCount, "'0 0 * *' has 4 fields; cron needs 5: minute hour day-of-month month day-of-week"),
        ("@reboot", .unknownAlias, "@reboot is not a cron alias (@yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly)"),
        ("0 0 30 feb *", .neverFires, "day-of-month field: 30 never falls in month feb, so '0 0 30 feb *' never fires"),
        ("0 0 31 4,6,9,11 *", .neverFires, "day-of-month field: 31 never falls in month 4,6,9,11, so '0 0 31 4,6,9,11 *' never fires"),
    ])
    func rejected(_ text: String, _ code: CronError.Code, _ message: String) {
        let error = #expect(throws: CronError.self) { try CronExpression(text) }
        #expect(error?.code == code)
        #expect(error?.message == message)
        #expect(error?.description == message)
    }

    @Test("the error names the field and token separately too")
    func errorParts() {
        do {
            _ = try CronExpression("0 0 * * 1,9")
            Issue.record("accepted a weekday of 9")
        } catch {
            #expect(error.field == "day-of-week")
            #expect(error.token == "9")
        }
    }

    @Test("restricted day-of-month and day-of-week together are not a never-firing schedule")
    func orRuleKeepsFebruaryThirtiethAlive() throws {
        let cron = try CronExpression("0 0 30 feb mon")
        #expect(cron.next(after: utc("2026-12-02T00:00:00Z")) == utc("2027-02-01T00:00:00Z"))  // a Monday
    }

    @Test("surrounding whitespace and tabs are accepted; the source is kept trimmed")
    func whitespace() throws {
        let cron = try CronExpression("  0\t1 *  * *\n")
        #expect(cron.source == "0\t1 *  * *")
        #expect(cron.description == cron.source)
        #expect(cron.matches(utc("2026-12-02T01:00:00Z")))
        #expect(!cron.matches(utc("2026-12-02T02:00:00Z")))
    }
}
