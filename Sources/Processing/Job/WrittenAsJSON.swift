import JSON

/// A part of a job document written straight to JSON text (``write(into:)``), the one
/// definition of its members; its `JSONValue` is read back from that text.
protocol WrittenAsJSON {
    /// Appends the value as compact JSON text to `out`.
    func write(into out: inout [UInt8])
}

extension WrittenAsJSON {
    /// The value as JSON, parsed from what ``write(into:)`` writes.
    var writtenJSON: JSONValue {
        var out: [UInt8] = []
        write(into: &out)
        return JSONValue(writtenJSON: out)
    }
}
