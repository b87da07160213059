import OrderedCollections

/// Writes one JSON object member by member straight into bytes: the text `JSONWriter` gives
/// for a `JSONObject` holding the same members in the same order, without building the
/// dictionary (and its values) first. For documents written in bulk.
///
/// Keys must be distinct. The `extra` members given to ``write(into:extra:_:)`` follow the
/// written ones, those whose key was written left out, as adding only the members not yet set
/// to a `JSONObject` does.
public struct JSONObjectWriter {
    private var bytes: [UInt8]
    private var first = true
    /// The keys written, kept only when there are extra members to check against them.
    private var keys: [String]?

    private init(bytes: [UInt8], recordingKeys: Bool) {
        self.bytes = bytes
        self.keys = recordingKeys ? [] : nil
    }

    /// Appends one object to `out`: the members `body` writes, then those of `extra` whose
    /// keys it did not write, in `extra`'s order.
    public static func write(into out: inout [UInt8], extra: JSONObject = [:], _ body: (inout JSONObjectWriter) -> Void) {
        // The buffer moves into the writer and back, so appending never copies it.
        var writer = JSONObjectWriter(bytes: [], recordingKeys: !extra.isEmpty)
        swap(&writer.bytes, &out)
        writer.bytes.append(UInt8(ascii: "{"))
        body(&writer)
        if let written = writer.keys {
            for (key, value) in extra where !written.contains(key) { writer.member(key, value) }
        }
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
        if let string { JSONWriter.writeString(string, into: &bytes) } else { writeNull() }
    }

    /// The member `key` with an integer, or `null` for nil.
    public mutating func member(_ key: String, int: Int?) {
        writeKey(key)
        if let int { bytes.append(contentsOf: String(int).utf8) } else { writeNull() }
    }

    /// The member `key` with a 64-bit integer, or `null` for nil.
    public mutating func member(_ key: String, int64: Int64?) {
        writeKey(key)
        if let int64 { bytes.append(contentsOf: String(int64).utf8) } else { writeNull() }
    }

    /// The member `key` with a value that `body` appends as JSON text (an object written in
    /// place, for instance).
    public mutating func member(_ key: String, writing body: (inout [UInt8]) -> Void) {
        writeKey(key)
        body(&bytes)
    }

    /// The member `key` with an array of `count` elements, element `i` appended as JSON text
    /// by `element(i, &bytes)`.
    public mutating func member(_ key: String, count: Int, element: (Int, inout [UInt8]) -> Void) {
        writeKey(key)
        bytes.append(UInt8(ascii: "["))
        for index in 0..<count {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            element(index, &bytes)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    private mutating func writeKey(_ key: String) {
        if first { first = false } else { bytes.append(UInt8(ascii: ",")) }
        keys?.append(key)
        JSONWriter.writeString(key, into: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    private mutating func writeNull() {
        bytes.append(UInt8(ascii: "n"))
        bytes.append(UInt8(ascii: "u"))
        bytes.append(UInt8(ascii: "l"))
        bytes.append(UInt8(ascii: "l"))
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
