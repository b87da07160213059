import JSON

/// One status change of a pass: when, from what, to what, by which site under which lease
/// epoch, and why.
public struct HistoryEntry: Sendable, Hashable, WrittenAsJSON {
    /// ISO-8601 UTC wall time of the change.
    public var time: String
    /// The status before (nil for the creation entry).
    public var from: PassStatus?
    /// The status after.
    public var to: PassStatus
    /// The site that made the change, if any (nil for operator tools).
    public var site: String?
    /// The lease epoch the change was made under, if any.
    public var epoch: Int64?
    /// Why, for humans.
    public var reason: String?

    /// Makes an entry.
    public init(time: String, from: PassStatus?, to: PassStatus, site: String? = nil, epoch: Int64? = nil, reason: String? = nil) {
        self.time = time
        self.from = from
        self.to = to
        self.site = site
        self.epoch = epoch
        self.reason = reason
    }

    init(reader r: MemberReader) throws(DocumentError) {
        let toText = try r.string("to")
        guard let to = PassStatus(rawValue: toText) else { throw r.fail("to", "unknown status \(toText)") }
        var from: PassStatus?
        if let text = try r.optionalString("from") {
            guard let status = PassStatus(rawValue: text) else { throw r.fail("from", "unknown status \(text)") }
            from = status
        }
        self.init(time: try r.optionalString("time") ?? "", from: from, to: to, site: try r.optionalString("site"),
                  epoch: try r.optionalInt64("epoch"), reason: try r.optionalString("reason"))
    }

    /// The entry as JSON.
    public var json: JSONValue { writtenJSON }

    /// Appends ``json`` as compact JSON text to `out`.
    func write(into out: inout [UInt8]) {
        JSONObjectWriter.write(into: &out) { m in
            m.member("time", string: time)
            m.member("from", string: from?.rawValue)
            m.member("to", string: to.rawValue)
            m.member("site", string: site)
            m.member("epoch", int64: epoch)
            m.member("reason", string: reason)
        }
    }
}
