/// One field of a cron expression as the set of values it allows (bit `n` set = value `n`).
struct CronField: Sendable, Hashable {
    /// Which field, its range and the names it accepts.
    struct Kind: Sendable {
        let name: String
        let range: ClosedRange<Int>
        let names: [String]
        /// For the names: the value of `names[0]`.
        let firstNameValue: Int

        static let minute = Kind(name: "minute", range: 0...59, names: [], firstNameValue: 0)
        static let hour = Kind(name: "hour", range: 0...23, names: [], firstNameValue: 0)
        static let dayOfMonth = Kind(name: "day-of-month", range: 1...31, names: [], firstNameValue: 1)
        static let month = Kind(
            name: "month", range: 1...12,
            names: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], firstNameValue: 1)
        /// 0–7, where 7 is Sunday again and folded onto 0 after parsing.
        static let dayOfWeek = Kind(
            name: "day-of-week", range: 0...7, names: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"], firstNameValue: 0)
    }

    /// Bit `n` set when value `n` is allowed.
    var bits: UInt64
    /// The field was written starting with `*` (`*` or `*/n`): cron's day-matching rule cares.
    var isStar: Bool

    func contains(_ value: Int) -> Bool { bits & (1 << UInt64(value)) != 0 }

    /// The smallest allowed value ≥ `value`.
    func first(atOrAfter value: Int) -> Int? {
        guard value < 64 else { return nil }
        let rest = bits & (~0 << UInt64(max(0, value)))
        return rest == 0 ? nil : rest.trailingZeroBitCount
    }

    /// The largest allowed value ≤ `value`.
    func last(atOrBefore value: Int) -> Int? {
        guard value >= 0 else { return nil }
        let rest = value >= 63 ? bits : bits & ((1 << UInt64(value + 1)) - 1)
        return rest == 0 ? nil : 63 - rest.leadingZeroBitCount
    }

    /// Parses `text` as a field of `kind`: `*`, numbers, names, lists, ranges and steps.
    init(_ text: String, _ kind: Kind) throws(CronError) {
        bits = 0
        isStar = text.hasPrefix("*")
        for item in text.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            guard !item.isEmpty else {
                throw CronError(.invalidToken, field: kind.name, token: text, "empty list item in \(text)")
            }
            bits |= try Self.parse(item: item, kind)
        }
        if kind.range.upperBound == 7, contains(7) {
            bits = (bits & ~(1 << 7)) | 1
        }
    }

    private static func parse(item: String, _ kind: Kind) throws(CronError) -> UInt64 {
        var body = Substring(item)
        var step = 1
        if let slash = item.firstIndex(of: "/") {
            let stepText = item[item.index(after: slash)...]
            guard let value = Int(stepText), value > 0 else {
                throw CronError(.invalidStep, field: kind.name, token: item, "\(item) needs a positive whole step after /")
            }
            step = value
            body = item[..<slash]
        }
        var low: Int
        var high: Int
        if body == "*" {
            (low, high) = (kind.range.lowerBound, kind.range.upperBound == 7 ? 6 : kind.range.upperBound)
        } else if let dash = body.firstIndex(of: "-") {
            low = try value(String(body[..<dash]), kind, item: item)
            high = try value(String(body[body.index(after: dash)...]), kind, item: item)
            guard low <= high else {
                throw CronError(.invalidRange, field: kind.name, token: item, "\(item) is a backwards range")
            }
        } else {
            low = try value(String(body), kind, item: item)
            // `5/15` means from 5 to the end of the field in steps of 15.
            high = step > 1 ? kind.range.upperBound : low
        }
        var bits: UInt64 = 0
        for value in stride(from: low, through: high, by: step) { bits |= 1 << UInt64(value) }
        return bits
    }

    private static func value(_ token: String, _ kind: Kind, item: String) throws(CronError) -> Int {
        if !token.isEmpty, token.utf8.allSatisfy({ (48...57).contains($0) }), let number = Int(token) {
            guard kind.range.contains(number) else {
                throw CronError(
                    .outOfRange, field: kind.name, token: token,
                    "\(token) is out of range \(kind.range.lowerBound)-\(kind.range.upperBound)")
            }
            return number
        }
        if let index = kind.names.firstIndex(of: token.lowercased()) { return kind.firstNameValue + index }
        let what = kind.names.isEmpty ? "a number" : "a number or a name such as \(kind.names[0])"
        throw CronError(.invalidToken, field: kind.name, token: token, "\(token.isEmpty ? item : token) is not \(what)")
    }
}
