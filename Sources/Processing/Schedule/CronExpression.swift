#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A standard five-field cron schedule: `minute hour day-of-month month day-of-week`.
///
/// Each field takes `*`, numbers, lists (`1,2`), ranges (`1-5`) and steps (`*/15`, `1-30/5`,
/// and `5/15` for 5 to the end of the field); months and weekdays also take three-letter names
/// (`jan`, `mon-fri`, any case), and Sunday is 0 or 7. As in Vixie cron, when both the day of
/// the month and the day of the week are restricted (neither field starts with `*`) a day
/// matches if *either* does: `0 0 1 * mon` fires on the 1st and on every Monday.
///
/// The aliases `@yearly` (`@annually`), `@monthly`, `@weekly`, `@daily` (`@midnight`) and
/// `@hourly` stand for their usual expansions; `@reboot` has no meaning here.
///
/// Times are UTC, or UTC shifted by a fixed ``utcOffsetMinutes`` (no daylight saving rules).
/// The resolution is the minute: fire times are whole minutes.
public struct CronExpression: Sendable, Hashable, CustomStringConvertible {
    /// The expression as written.
    public let source: String
    /// The fixed offset from UTC, in minutes, of the wall clock the fields are read in.
    public let utcOffsetMinutes: Int

    let minutes: CronField
    let hours: CronField
    let daysOfMonth: CronField
    let months: CronField
    let daysOfWeek: CronField

    static let aliases: [String: String] = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
        "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]

    /// Parses `text`; throws naming the field and token at fault, or ``CronError/Code/neverFires``
    /// for an expression no date matches (such as the 30th of February).
    public init(_ text: String, utcOffsetMinutes: Int = 0) throws(CronError) {
        let trimmed = String(text.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
        var expanded = trimmed
        if trimmed.hasPrefix("@") {
            guard let alias = Self.aliases[trimmed.lowercased()] else {
                throw CronError(
                    .unknownAlias, token: trimmed,
                    "\(trimmed) is not a cron alias (@yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly)")
            }
            expanded = alias
        }
        let fields = expanded.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 else {
            throw CronError(
                .fieldCount, token: trimmed,
                "'\(trimmed)' has \(fields.count) fields; cron needs 5: minute hour day-of-month month day-of-week")
        }
        source = trimmed
        self.utcOffsetMinutes = utcOffsetMinutes
        minutes = try CronField(fields[0], .minute)
        hours = try CronField(fields[1], .hour)
        daysOfMonth = try CronField(fields[2], .dayOfMonth)
        months = try CronField(fields[3], .month)
        daysOfWeek = try CronField(fields[4], .dayOfWeek)
        guard canFire else {
            throw CronError(
                .neverFires, field: "day-of-month", token: fields[2],
                "\(fields[2]) never falls in month \(fields[3]), so '\(trimmed)' never fires")
        }
    }

    public var description: String { source }

    /// True when `date`'s minute is one this schedule fires at.
    public func matches(_ date: Date) -> Bool {
        let minute = localMinute(date)
        let day = CivilTime.floorDiv(minute, 1440)
        let ofDay = minute - day * 1440
        return dayMatches(day) && hours.contains(ofDay / 60) && minutes.contains(ofDay % 60)
    }

    /// Whether the day (counted from 1970-01-01 on the local clock) is one to fire on.
    func dayMatches(_ day: Int) -> Bool {
        let (_, month, dayOfMonth) = CivilTime.date(days: day)
        guard months.contains(month) else { return false }
        let byMonthDay = daysOfMonth.contains(dayOfMonth)
        let byWeekday = daysOfWeek.contains(CivilTime.weekday(days: day))
        return daysOfMonth.isStar || daysOfWeek.isStar ? byMonthDay && byWeekday : byMonthDay || byWeekday
    }

    /// When both day fields are restricted any weekday fires; otherwise some allowed
    /// (month, day) must exist, the 29th of February counting (every weekday meets each such
    /// date within 28 years).
    private var canFire: Bool {
        if !daysOfMonth.isStar && !daysOfWeek.isStar { return true }
        guard let earliestDay = daysOfMonth.first(atOrAfter: 1) else { return false }
        return (1...12).contains { months.contains($0) && earliestDay <= CivilTime.daysInMonth(year: 2000, month: $0) }
    }

    /// Minutes since 1970 on the local clock, rounded down.
    func localMinute(_ date: Date) -> Int {
        CivilTime.floorDiv(CivilTime.seconds(date), 60) + utcOffsetMinutes
    }

    /// The instant of a local minute.
    func date(localMinute: Int) -> Date {
        Date(timeIntervalSince1970: Double((localMinute - utcOffsetMinutes) * 60))
    }
}
