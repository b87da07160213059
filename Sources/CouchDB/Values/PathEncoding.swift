/// Percent-encoding of database names, document ids and query values.
enum PathEncoding {
    /// One path segment: everything but unreserved characters and a few harmless sub-delimiters
    /// is escaped, so `/` becomes `%2F`, `+` becomes `%2B` and `?`/`#` cannot end the path.
    static func segment(_ text: String) -> String {
        encode(text) { byte in isUnreserved(byte) || segmentExtras.contains(byte) }
    }

    /// A document id as a path: `_design/name` and `_local/name` keep their slash (CouchDB
    /// redirects `_design%2Fname`); every other `/` is escaped.
    static func document(_ id: String) -> String {
        for prefix in ["_design/", "_local/"] where id.hasPrefix(prefix) {
            return prefix + segment(String(id.dropFirst(prefix.count)))
        }
        return segment(id)
    }

    /// A query parameter name or value: only unreserved characters stay as they are.
    static func queryComponent(_ text: String) -> String {
        encode(text, keeping: isUnreserved)
    }

    /// `?name=value&…` for the given parameters, or "" when there are none.
    static func query(_ items: [(String, String)]) -> String {
        guard !items.isEmpty else { return "" }
        return "?" + items.map { queryComponent($0.0) + "=" + queryComponent($0.1) }.joined(separator: "&")
    }

    private static let segmentExtras: Set<UInt8> = Set(":@!$'()*,=".utf8)

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: "_"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    private static let hex: [UInt8] = Array("0123456789ABCDEF".utf8)

    private static func encode(_ text: String, keeping keep: (UInt8) -> Bool) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if keep(byte) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes `%XX` escapes (for credentials written into a URL).
    static func decode(_ text: Substring) -> String {
        var out: [UInt8] = []
        var bytes = Array(text.utf8)[...]
        while let byte = bytes.popFirst() {
            if byte == UInt8(ascii: "%"), bytes.count >= 2,
                let high = hexValue(bytes[bytes.startIndex]), let low = hexValue(bytes[bytes.startIndex + 1])
            {
                out.append(high << 4 | low)
                bytes.removeFirst(2)
            } else {
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
