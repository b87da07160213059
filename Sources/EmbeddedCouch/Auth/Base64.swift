/// Base64 as CouchDB's Erlang runtime decodes it (`base64:decode/1`): the standard alphabet,
/// whitespace skipped, padding required. Anything else is an error (Erlang's `badarg`).
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let urlAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    private static let decodeTable: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, char) in alphabet.enumerated() { table[Int(char)] = UInt8(index) }
        return table
    }()

    /// Decodes standard, padded base64; `nil` when the text is not valid base64.
    static func decode(_ text: some Collection<UInt8>) -> [UInt8]? {
        var symbols: [UInt8] = []
        symbols.reserveCapacity(text.count)
        for char in text where !(char == 0x20 || char == 0x09 || char == 0x0A || char == 0x0D) {
            symbols.append(char)
        }
        guard symbols.count % 4 == 0 else { return nil }
        var padding = 0
        while padding < 2, padding < symbols.count, symbols[symbols.count - 1 - padding] == UInt8(ascii: "=") {
            padding += 1
        }
        var out: [UInt8] = []
        out.reserveCapacity(symbols.count / 4 * 3)
        var accumulator: UInt32 = 0
        var bits = 0
        for char in symbols[..<(symbols.count - padding)] {
            let value = decodeTable[Int(char)]
            guard value != 0xFF else { return nil }
            accumulator = (accumulator << 6) | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
                accumulator &= (1 << UInt32(bits)) - 1
            }
        }
        return out
    }

    /// Decodes base64url as CouchDB does for cookies (`couch_util:decodeBase64Url`): maps the
    /// URL alphabet to the standard one, pads, and decodes strictly.
    static func decodeURL(_ text: String) -> [UInt8]? {
        var symbols = text.utf8.map { char -> UInt8 in
            switch char {
            case UInt8(ascii: "-"): UInt8(ascii: "+")
            case UInt8(ascii: "_"): UInt8(ascii: "/")
            default: char
            }
        }
        symbols.append(contentsOf: repeatElement(UInt8(ascii: "="), count: (4 - symbols.count % 4) % 4))
        return decode(symbols)
    }

    /// Encodes as base64url without padding (`couch_util:encodeBase64Url`).
    static func encodeURL(_ bytes: [UInt8]) -> String {
        encode(bytes, alphabet: urlAlphabet, pad: false)
    }

    /// Encodes as standard, padded base64.
    static func encode(_ bytes: [UInt8]) -> String {
        encode(bytes, alphabet: alphabet, pad: true)
    }

    private static func encode(_ bytes: [UInt8], alphabet: [UInt8], pad: Bool) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let remaining = bytes.count - index
            let b0 = UInt32(bytes[index])
            let b1 = remaining > 1 ? UInt32(bytes[index + 1]) : 0
            let b2 = remaining > 2 ? UInt32(bytes[index + 2]) : 0
            let group = (b0 << 16) | (b1 << 8) | b2
            out.append(alphabet[Int((group >> 18) & 63)])
            out.append(alphabet[Int((group >> 12) & 63)])
            if remaining > 1 { out.append(alphabet[Int((group >> 6) & 63)]) } else if pad { out.append(UInt8(ascii: "=")) }
            if remaining > 2 { out.append(alphabet[Int(group & 63)]) } else if pad { out.append(UInt8(ascii: "=")) }
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
