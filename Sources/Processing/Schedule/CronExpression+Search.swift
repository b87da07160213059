#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension CronExpression {
    /// The first fire time strictly after `date`.
    ///
    /// Skips whole months and days that cannot match, then picks hour and minute from the
    /// field sets, so a yearly schedule costs a few dozen steps, not half a million minutes.
    public func next(after date: Date) -> Date {
        var day = CivilTime.floorDiv(localMinute(date) + 1, 1440)
        var ofDay = localMinute(date) + 1 - day * 1440
        // A valid expression fires within 8 years (29 February); the bound only guards the loop.
        for _ in 0..<Self.searchSteps {
            let (year, month, _) = CivilTime.date(days: day)
            if !months.contains(month) {
                let nextMonth = months.first(atOrAfter: month + 1)
                day = nextMonth.map { CivilTime.days(year: year, month: $0, day: 1) }
                    ?? CivilTime.days(year: year + 1, month: months.first(atOrAfter: 1)!, day: 1)
                ofDay = 0
                continue
            }
            if dayMatches(day), let time = firstTime(atOrAfter: ofDay) {
                return self.date(localMinute: day * 1440 + time)
            }
            day += 1
            ofDay = 0
        }
        return .distantFuture
    }

    /// The last fire time at or before `date` (the minute `date` falls in counts).
    public func previous(atOrBefore date: Date) -> Date {
        var day = CivilTime.floorDiv(localMinute(date), 1440)
        var ofDay = localMinute(date) - day * 1440
        for _ in 0..<Self.searchSteps {
            let (year, month, _) = CivilTime.date(days: day)
            if !months.contains(month) {
                let earlier = months.last(atOrBefore: month - 1)
                let (y, m) = earlier.map { (year, $0) } ?? (year - 1, months.last(atOrBefore: 12)!)
                day = CivilTime.days(year: y, month: m, day: CivilTime.daysInMonth(year: y, month: m))
                ofDay = 1439
                continue
            }
            if dayMatches(day), let time = lastTime(atOrBefore: ofDay) {
                return self.date(localMinute: day * 1440 + time)
            }
            day -= 1
            ofDay = 1439
        }
        return .distantPast
    }

    /// The last fire time strictly before `date`.
    public func previous(before date: Date) -> Date {
        let minute = localMinute(date)
        let onTheMinute = Double((minute - utcOffsetMinutes) * 60) == date.timeIntervalSince1970
        return previous(atOrBefore: onTheMinute ? self.date(localMinute: minute - 1) : date)
    }

    /// Enough days and month skips to cover the longest gap a valid expression can have.
    static var searchSteps: Int { 12 * 400 + 366 * 9 }

    /// The first allowed minute of the day at or after `ofDay`.
    private func firstTime(atOrAfter ofDay: Int) -> Int? {
        var hour = ofDay / 60
        var minute = ofDay % 60
        while let h = hours.first(atOrAfter: hour) {
            if h != hour { minute = 0 }
            if let m = minutes.first(atOrAfter: minute) { return h * 60 + m }
            hour = h + 1
            minute = 0
        }
        return nil
    }

    /// The last allowed minute of the day at or before `ofDay`.
    private func lastTime(atOrBefore ofDay: Int) -> Int? {
        var hour = ofDay / 60
        var minute = ofDay % 60
        while hour >= 0, let h = hours.last(atOrBefore: hour) {
            if h != hour { minute = 59 }
            if let m = minutes.last(atOrBefore: minute) { return h * 60 + m }
            hour = h - 1
            minute = 59
        }
        return nil
    }
}
