import JSON

/// CouchDB's view collation: one total order over JSON values, used for sorting view rows,
/// key ranges and grouping.
///
/// `null < false < true < numbers < strings < arrays < objects`. Numbers by value (`1 == 1.0`);
/// strings by ICU root collation, as CouchDB's `couch_ejson_compare` does (`"a" < "A" < "ä" <
/// "a b"`, punctuation before digits before letters); arrays element by element, a prefix first;
/// objects member by member in their order (names collated as strings, then values).
public enum ViewCollation {
    /// Compares two keys: negative, zero (collate equal) or positive.
    public static func compare(_ a: JSONValue, _ b: JSONValue) -> Int {
        let ra = rank(a), rb = rank(b)
        if ra != rb { return ra < rb ? -1 : 1 }
        switch (a, b) {
        case (.number(let x), .number(let y)):
            return compareNumbers(x, y)
        case (.string(let x), .string(let y)):
            return compareStrings(x, y)
        case (.array(let xs), .array(let ys)):
            let n = min(xs.count, ys.count)
            var i = 0
            while i < n {
                let c = compare(xs[i], ys[i])
                if c != 0 { return c }
                i += 1
            }
            return xs.count == ys.count ? 0 : (xs.count < ys.count ? -1 : 1)
        case (.object(let xs), .object(let ys)):
            for (x, y) in zip(xs, ys) {
                let k = compareStrings(x.key, y.key)
                if k != 0 { return k }
                let v = compare(x.value, y.value)
                if v != 0 { return v }
            }
            return xs.count == ys.count ? 0 : (xs.count < ys.count ? -1 : 1)
        default:
            return 0  // null, or booleans of the same value
        }
    }

    /// Compares view rows as CouchDB orders them: by key, then by document id in raw byte order
    /// (CouchDB compares ids as binaries, not by ICU collation).
    public static func compareRows(key a: JSONValue, id idA: String, key b: JSONValue, id idB: String) -> Int {
        let c = compare(a, b)
        if c != 0 { return c }
        if idA == idB { return 0 }
        return Array(idA.utf8).lexicographicallyPrecedes(idB.utf8) ? -1 : 1
    }

    /// Whether `a` sorts before `b`.
    public static func less(_ a: JSONValue, _ b: JSONValue) -> Bool { compare(a, b) < 0 }

    /// Compares strings by ICU root collation (CouchDB's order for view keys).
    public static func compareStrings(_ a: String, _ b: String) -> Int {
        if let result = a.utf8.withContiguousStorageIfAvailable({ x in
            b.utf8.withContiguousStorageIfAvailable { y in compareUTF8(x, y) }
        }), let result {
            return result
        }
        var a = a, b = b
        return a.withUTF8 { x in b.withUTF8 { y in compareUTF8(x, y) } }
    }

    private static func compareUTF8(_ x: UnsafeBufferPointer<UInt8>, _ y: UnsafeBufferPointer<UInt8>) -> Int {
        if let fast = ASCIICollation.compare(x, y) { return fast }
        return ICUCollator.compare(x, y)
    }

    /// Compares numbers by value: integers exactly, otherwise as doubles.
    public static func compareNumbers(_ a: JSONNumber, _ b: JSONNumber) -> Int {
        if !a.isFloatLiteral, !b.isFloatLiteral, let x = Int(a.text), let y = Int(b.text) {
            return x == y ? 0 : (x < y ? -1 : 1)
        }
        let x = a.doubleValue, y = b.doubleValue
        return x == y ? 0 : (x < y ? -1 : 1)
    }

    /// The key a row is grouped under at `groupLevel`: an array key truncated to its first
    /// `groupLevel` elements; any other key as it is. `nil` means `group=true` (the whole key).
    public static func groupKey(_ key: JSONValue, level groupLevel: Int?) -> JSONValue {
        guard let groupLevel, case .array(let items) = key, items.count > groupLevel else { return key }
        return .array(Array(items.prefix(groupLevel)))
    }

    private static func rank(_ value: JSONValue) -> Int {
        switch value {
        case .null: 0
        case .bool(false): 1
        case .bool(true): 2
        case .number: 3
        case .string: 4
        case .array: 5
        case .object: 6
        }
    }
}
