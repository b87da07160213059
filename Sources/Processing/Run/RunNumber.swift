/// Run numbers in document ids: zero-padded to 10 digits, so `_all_docs` ranges sort.
public enum RunNumber {
    /// The largest run number an id can hold.
    public static let maximum = 9_999_999_999

    /// `run` zero-padded to 10 digits.
    public static func padded(_ run: Int) -> String {
        guard (0...maximum).contains(run) else {
            let digits = String(run)
            return digits.utf8.count >= 10 ? digits : String(repeating: "0", count: 10 - digits.utf8.count) + digits
        }
        // Every id of a run, job or data document has this in it: digits written in place.
        return String(unsafeUninitializedCapacity: 10) { buffer in
            var rest = run
            for index in stride(from: 9, through: 0, by: -1) {
                buffer[index] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            }
            return 10
        }
    }

    /// Parses a run number as written by people: decimal digits, optional surrounding blanks.
    public static func parse(_ text: some StringProtocol) -> Int? {
        let trimmed = text.trimmingBlanks
        guard !trimmed.isEmpty, trimmed.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(trimmed), value <= maximum else { return nil }
        return value
    }
}

extension StringProtocol {
    var trimmingBlanks: String {
        var s = Substring(self)
        while let first = s.first, first.isWhitespace { s.removeFirst() }
        while let last = s.last, last.isWhitespace { s.removeLast() }
        return String(s)
    }
}
