/// Writes one JSON object member by member straight into bytes: the text `JSONWriter` gives
/// for a `JSONObject` holding the same members in the same order, without building the
/// dictionary (and its values) first. For documents written in bulk.
///
/// Keys must be distinct, except that ``merge(extra:)`` skips the keys already written, as
/// adding only the members not yet set to a `JSONObject` does.
public struct JSONObjectWriter {
    private var bytes: [UInt8]
    private var keys: [String] = []

    private init(bytes: [UInt8]) { self.bytes = bytes }

    /// Appends one object to `out`, its members written by `body`.
    public static func write(into out: inout [UInt8], _ body: (inout JSONObjectWriter) -> Void) {
        // The buffer moves into the writer and back, so appending never copies it.
        var writer = JSONObjectWriter(bytes: [])
        swap(&writer.bytes, &out)
        writer.bytes.append(UInt8(ascii: "{"))
        body(&writer)
        writer.bytes.append(UInt8(ascii: "}"))
        swap(&writer.bytes, &out)
    }

    /// The member `key` with `value`.
    public mutating func member(_ key: String, _ value: JSONValue) {
        writeKey(key)
        JSONWriter.write(value, into: &bytes)
    }

    /// The member `key` with a string, or `null` for nil.
    public mutating func member(_ key: String, string: String?) {
        writeKey(key)
        if let string { JSONWriter.writeString(string, into: &bytes) } else { bytes.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C]) }
    }

    /// The member `key` with an integer, or `null` for nil.
    public mutating func member<I: BinaryInteger>(_ key: String, int: I?) {
        writeKey(key)
        if let int { bytes.append(contentsOf: String(int).utf8) } else { bytes.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C]) }
    }

    /// The member `key` with a value that `body` appends as JSON text (an object or array
    /// written in place, for instance).
    public mutating func member(_ key: String, writing body: (inout [UInt8]) -> Void) {
        writeKey(key)
        body(&bytes)
    }

    /// The member `key` with an array whose elements `write` appends as JSON text, one call each.
    public mutating func member<Element>(_ key: String, array: [Element], _ write: (Element, inout [UInt8]) -> Void) {
        writeKey(key)
        bytes.append(UInt8(ascii: "["))
        for (index, element) in array.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            write(element, &bytes)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// The members of `extra` whose keys were not written yet, in `extra`'s order.
    public mutating func merge(extra: JSONObject) {
        guard !extra.isEmpty else { return }
        for (key, value) in extra where !keys.contains(key) { member(key, value) }
    }

    private mutating func writeKey(_ key: String) {
        if !keys.isEmpty { bytes.append(UInt8(ascii: ",")) }
        keys.append(key)
        JSONWriter.writeString(key, into: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }
}

extension JSONValue {
    /// The value of JSON text this program wrote itself (a writer's output), parsed; `null`
    /// if the text is not JSON after all, which is a bug of the writer.
    public init(writtenJSON bytes: [UInt8]) {
        switch Result(catching: { () throws(JSONParseError) in try JSONParser.parse(bytes) }) {
        case .success(let value): self = value
        case .failure(let error): assertionFailure("written JSON does not parse: \(error)"); self = .null
        }
    }
}
