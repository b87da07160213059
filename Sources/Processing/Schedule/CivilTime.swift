#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Proleptic Gregorian calendar arithmetic in UTC on whole days and minutes, without `Calendar`
/// (H. Hinnant's `days_from_civil` and `civil_from_days`).
enum CivilTime {
    /// Days since 1970-01-01 for a date.
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The date of a day counted from 1970-01-01.
    static func date(days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// The weekday of a day counted from 1970-01-01 (a Thursday), 0 = Sunday.
    static func weekday(days: Int) -> Int { ((days % 7) + 11) % 7 }

    static func isLeap(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Floor division, for times before 1970.
    static func floorDiv(_ a: Int, _ b: Int) -> Int {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    /// Whole seconds since 1970 of a date, rounded down.
    static func seconds(_ date: Date) -> Int { Int(date.timeIntervalSince1970.rounded(.down)) }

    /// `2026-12-02T01:00:00Z`.
    static func iso8601(seconds: Int) -> String {
        let (y, mo, d, h, mi, s) = parts(seconds: seconds)
        return "\(pad(y, 4))-\(pad(mo, 2))-\(pad(d, 2))T\(pad(h, 2)):\(pad(mi, 2)):\(pad(s, 2))Z"
    }

    /// `20261202T010000Z`, for document ids.
    static func compact(seconds: Int) -> String {
        let (y, mo, d, h, mi, s) = parts(seconds: seconds)
        return "\(pad(y, 4))\(pad(mo, 2))\(pad(d, 2))T\(pad(h, 2))\(pad(mi, 2))\(pad(s, 2))Z"
    }

    /// Reads `YYYY-MM-DDTHH:MM:SS[.fff]Z` (UTC only); nil for anything else.
    static func parseISO8601(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes.last == UInt8(ascii: "Z") else { return nil }
        func number(_ from: Int, _ count: Int) -> Int? {
            var value = 0
            for index in from..<(from + count) {
                let byte = bytes[index]
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        let separators: [(Int, UInt8)] = [(4, 45), (7, 45), (10, 84), (13, 58), (16, 58)]
        guard separators.allSatisfy({ bytes[$0.0] == $0.1 }),
              let y = number(0, 4), let mo = number(5, 2), let d = number(8, 2),
              let h = number(11, 2), let mi = number(14, 2), let s = number(17, 2),
              (1...12).contains(mo), (1...daysInMonth(year: y, month: mo)).contains(d),
              h < 24, mi < 60, s < 60
        else { return nil }
        var fraction = 0.0
        if bytes.count > 20 {
            guard bytes[19] == 46, bytes.count > 21, let digits = number(20, bytes.count - 21) else { return nil }
            fraction = Double(digits) / pow10(bytes.count - 21)
        }
        let whole = days(year: y, month: mo, day: d) * 86_400 + h * 3600 + mi * 60 + s
        return Date(timeIntervalSince1970: Double(whole) + fraction)
    }

    private static func pow10(_ n: Int) -> Double { (0..<n).reduce(1.0) { value, _ in value * 10 } }

    private static func parts(seconds: Int) -> (Int, Int, Int, Int, Int, Int) {
        let day = floorDiv(seconds, 86_400)
        let rest = seconds - day * 86_400
        let (y, mo, d) = date(days: day)
        return (y, mo, d, rest / 3600, rest / 60 % 60, rest % 60)
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}
