/// A JSON number kept as its literal text, so that no digit is lost between reading and writing.
///
/// `JSONNumber` compares by text: `1` and `1.0` are different numbers here, as they are in a
/// CouchDB document. Use ``numericallyEquals(_:)`` or ``doubleValue`` for arithmetic comparisons.
public struct JSONNumber: Sendable, Hashable {
    /// The literal text, a valid JSON number.
    public let text: String

    /// A number from text already known to be a valid JSON number literal.
    ///
    /// Use ``JSONParser`` or ``init(parsing:)`` for text that may be invalid.
    public init(uncheckedText text: String) { self.text = text }

    /// A number from text, or `nil` when the text is not a JSON number literal.
    public init?(parsing text: String) {
        guard Self.isValidLiteral(Array(text.utf8)) else { return nil }
        self.text = text
    }

    /// An integer number.
    public init<I: BinaryInteger>(_ value: I) { self.text = String(value) }

    /// A floating-point number in CouchDB's form (see ``CouchNumberFormat``); non-finite values are `null` in JSON and so become `0`.
    public init(_ value: Double) {
        self.text = value.isFinite ? CouchNumberFormat.format(value) : "0"
    }

    /// Whether the literal has a fraction or an exponent (so CouchDB treats it as a float).
    public var isFloatLiteral: Bool {
        text.utf8.contains { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }
    }

    /// The value as an `Int`, when the literal is an integer that fits (`2.0` is not an `Int` here).
    public var intValue: Int? { isFloatLiteral ? nil : Int(text) }

    /// The value as an `Int64`, when the literal is an integer that fits.
    public var int64Value: Int64? { isFloatLiteral ? nil : Int64(text) }

    /// The value as a `Double` (the nearest one; large integers may lose precision).
    public var doubleValue: Double { Double(text) ?? 0 }

    /// Whether both numbers denote the same value as doubles (`1 == 1.0`).
    public func numericallyEquals(_ other: JSONNumber) -> Bool {
        if text == other.text { return true }
        return doubleValue == other.doubleValue
    }

    static func isValidLiteral(_ bytes: [UInt8]) -> Bool {
        var i = 0
        let n = bytes.count
        func digit(_ j: Int) -> Bool { j < n && bytes[j] >= 0x30 && bytes[j] <= 0x39 }
        if i < n && bytes[i] == UInt8(ascii: "-") { i += 1 }
        guard digit(i) else { return false }
        if bytes[i] == UInt8(ascii: "0") { i += 1 } else { while digit(i) { i += 1 } }
        if i < n && bytes[i] == UInt8(ascii: ".") {
            i += 1
            guard digit(i) else { return false }
            while digit(i) { i += 1 }
        }
        if i < n && (bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E")) {
            i += 1
            if i < n && (bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-")) { i += 1 }
            guard digit(i) else { return false }
            while digit(i) { i += 1 }
        }
        return i == n
    }
}

extension JSONNumber: CustomStringConvertible {
    public var description: String { text }
}

/// How Apache CouchDB writes numbers back after decoding a document.
///
/// Integers of any size stay exact (`-0` becomes `0`). Floats are written as the shortest text
/// that reads back to the same double, in JavaScript's layout (plain digits for magnitudes from
/// 1e-7 up to 1e21, an exponent with a sign otherwise) and always with a fraction or an
/// exponent: `1e3` → `1000.0`, `1e21` → `1e+21`, `0.0000001` → `1e-7`, `-0.0` → `0.0`.
/// Subnormal doubles become `0.0`; values beyond the double range are rejected.
public enum CouchNumberFormat {
    /// The canonical text for a number literal, or `nil` when CouchDB would reject it (out of range).
    public static func canonical(_ number: JSONNumber) -> JSONNumber? {
        if !number.isFloatLiteral {
            return number.text == "-0" ? JSONNumber(uncheckedText: "0") : number
        }
        guard let value = Double(number.text), value.isFinite else { return nil }
        return JSONNumber(uncheckedText: format(value))
    }

    /// The canonical text of a finite double.
    public static func format(_ value: Double) -> String {
        if value == 0 || value.isSubnormal { return "0.0" }
        let negative = value < 0
        let (digits, pointPosition) = shortestDigits(abs(value))
        // pointPosition: the value is 0.DIGITS × 10^pointPosition.
        var out = negative ? "-" : ""
        let k = digits.count
        let n = pointPosition
        if k <= n && n <= 21 {
            out += digits
            out += String(repeating: "0", count: n - k)
            out += ".0"
        } else if 0 < n && n <= 21 {
            out += digits.prefix(n)
            out += "."
            out += digits.dropFirst(n)
        } else if -6 < n && n <= 0 {
            out += "0."
            out += String(repeating: "0", count: -n)
            out += digits
        } else {
            let exponent = n - 1
            out += digits.prefix(1)
            if k > 1 {
                out += "."
                out += digits.dropFirst(1)
            }
            out += exponent < 0 ? "e-" : "e+"
            out += String(abs(exponent))
        }
        return out
    }

    /// The shortest round-trip decimal digits of a positive finite double, without leading or
    /// trailing zeros, and the position of the decimal point relative to the first digit.
    static func shortestDigits(_ value: Double) -> (digits: String, pointPosition: Int) {
        // Swift's description is the shortest round-trip form ("1.5e-07", "25000000000.0", "0.001").
        let text = value.description
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...]) ?? 0
        }
        var intPart = mantissa
        var fracPart: Substring = ""
        if let dot = mantissa.firstIndex(of: ".") {
            intPart = mantissa[..<dot]
            fracPart = mantissa[mantissa.index(after: dot)...]
        }
        var digits = String(intPart) + String(fracPart)
        var point = intPart.count + exponent
        while digits.hasPrefix("0") && digits.count > 1 {
            digits.removeFirst()
            point -= 1
        }
        while digits.hasSuffix("0") && digits.count > 1 { digits.removeLast() }
        return (digits, point)
    }
}
