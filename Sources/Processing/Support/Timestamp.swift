import Foundation

/// ISO-8601 UTC wall-clock times as gasp documents store them: `2026-11-22T04:05:10.123Z`.
public enum Timestamp {
    private static let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)

    /// The document text for `date`.
    public static func string(_ date: Date) -> String { style.format(date) }

    /// The date a document time stands for (with or without fractional seconds), or nil.
    public static func date(_ text: String) -> Date? {
        if let date = try? style.parse(text) { return date }
        return try? Date.ISO8601FormatStyle(timeZone: .gmt).parse(text)
    }
}
