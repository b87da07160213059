/// Duktape keeps strings in CESU-8: a character outside the Basic Multilingual Plane that
/// JavaScript built from two surrogates is written as two 3-byte sequences, which is not UTF-8.
enum CESU8 {
    /// Copies `bytes`, turning surrogate pairs into 4-byte UTF-8 and lone surrogates into U+FFFD.
    static func toUTF8(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        let count = bytes.count
        // Fast path: no 0xED lead byte means no encoded surrogate.
        guard ByteScan.index(of: 0xED, in: bytes.bindMemory(to: UInt8.self), from: 0) != nil else { return Array(bytes) }
        var out: [UInt8] = []
        out.reserveCapacity(count)
        var i = 0
        func surrogate(at j: Int) -> UInt32? {
            guard j + 2 < count, bytes[j] == 0xED, bytes[j + 1] >= 0xA0 else { return nil }
            return 0xD000 | (UInt32(bytes[j + 1] & 0x3F) << 6) | UInt32(bytes[j + 2] & 0x3F)
        }
        while i < count {
            guard let high = surrogate(at: i) else {
                out.append(bytes[i])
                i += 1
                continue
            }
            if high < 0xDC00, let low = surrogate(at: i + 3), low >= 0xDC00 {
                let scalar = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                out.append(UInt8(0xF0 | (scalar >> 18)))
                out.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
                out.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
                out.append(UInt8(0x80 | (scalar & 0x3F)))
                i += 6
            } else {
                out.append(contentsOf: [0xEF, 0xBF, 0xBD])
                i += 3
            }
        }
        return out
    }

    /// JSON text with every character outside the Basic Multilingual Plane written as a
    /// `\uD83D\uDE00` escape pair, or `nil` when there is none. Duktape reads raw 4-byte UTF-8
    /// as one character, where JavaScript (and CouchDB's couchjs) sees two UTF-16 code units;
    /// escapes give `JSON.parse` the standard strings. Such bytes can only occur inside JSON strings.
    static func escapingSupplementary(_ json: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard ByteScan.containsFourByteLead(json) else { return nil }
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(json.count + 64)
        var i = 0
        while i < json.count {
            let byte = json[i]
            guard byte >= 0xF0, byte <= 0xF4, i + 3 < json.count else {
                out.append(byte)
                i += 1
                continue
            }
            let scalar = (UInt32(byte & 0x07) << 18) | (UInt32(json[i + 1] & 0x3F) << 12)
                | (UInt32(json[i + 2] & 0x3F) << 6) | UInt32(json[i + 3] & 0x3F)
            let v = scalar - 0x10000
            for unit in [0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF)] {
                out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u")])
                for shift in [12, 8, 4, 0] { out.append(hex[Int((unit >> UInt32(shift)) & 0xF)]) }
            }
            i += 4
        }
        return out
    }
}
