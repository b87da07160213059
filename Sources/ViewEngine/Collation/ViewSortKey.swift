import JSON

extension ViewCollation {
    /// A byte string whose byte-wise order (`memcmp`, SQLite's order for BLOBs) is the view
    /// collation order of the keys: equal keys (`1` and `1.0`) give equal bytes.
    ///
    /// Meant for an indexed BLOB column of view rows, so SQLite can sort, range-scan and group
    /// without calling back into Swift. Layout: a type byte (null 0x01, false 0x02, true 0x03,
    /// number 0x04, string 0x05, array 0x06, object 0x07); a number as 8 bytes of its double,
    /// sign-adjusted big-endian; a string as its ICU sort key (which ends in its only 0 byte);
    /// an array as its elements then 0x00; an object as name (string encoding) and value per
    /// member, then 0x00. Integers beyond 2^53 are ordered as their nearest double.
    public static func sortKey(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        appendSortKey(value, to: &out)
        return out
    }

    /// Appends the sort key of `value` (see ``sortKey(_:)``).
    public static func appendSortKey(_ value: JSONValue, to out: inout [UInt8]) {
        switch value {
        case .null: out.append(0x01)
        case .bool(false): out.append(0x02)
        case .bool(true): out.append(0x03)
        case .number(let n):
            out.append(0x04)
            var double = n.doubleValue
            if double == 0 { double = 0 }  // -0.0 collates as 0
            var bits = double.bitPattern
            bits = (bits & (1 << 63)) != 0 ? ~bits : bits | (1 << 63)
            for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }
        case .string(let s):
            out.append(0x05)
            out.append(contentsOf: ICUCollator.sortKey(s))
        case .array(let items):
            out.append(0x06)
            for item in items { appendSortKey(item, to: &out) }
            out.append(0x00)
        case .object(let members):
            out.append(0x07)
            for (name, member) in members {
                out.append(0x05)
                out.append(contentsOf: ICUCollator.sortKey(name))
                appendSortKey(member, to: &out)
            }
            out.append(0x00)
        }
    }
}
