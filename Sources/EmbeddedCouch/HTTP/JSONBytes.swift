import JSON

/// Builds JSON response bytes directly, so stored document bodies are copied in without
/// being parsed again.
struct JSONBytes {
    var bytes: [UInt8] = []

    init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func raw(_ other: [UInt8]) { bytes.append(contentsOf: other) }

    mutating func string(_ s: String) { JSONWriter.writeString(s, into: &bytes) }

    mutating func value(_ v: JSONValue) { JSONWriter.write(v, into: &bytes) }

    mutating func int(_ n: Int) { bytes.append(contentsOf: String(n).utf8) }

    /// `"key":` with a leading comma unless `first`.
    mutating func key(_ k: String, first: Bool = false) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        JSONWriter.writeString(k, into: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    var response: CouchResponse.Body { .bytes(bytes, contentType: "application/json") }
}
