/// Duktape keeps strings in CESU-8: a character outside the Basic Multilingual Plane that
/// JavaScript built from two surrogates is written as two 3-byte sequences, which is not UTF-8.
enum CESU8 {
    /// Copies `bytes`, turning surrogate pairs into 4-byte UTF-8 and lone surrogates into U+FFFD.
    static func toUTF8(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        let count = bytes.count
        // Fast path: no 0xED lead byte means no encoded surrogate.
        guard bytes.contains(0xED) else { return Array(bytes) }
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
}
