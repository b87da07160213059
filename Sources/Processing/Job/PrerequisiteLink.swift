import JSON

/// A pass's dependency on one pass of another module of the same run.
public struct PrerequisiteLink: Sendable, Hashable {
    /// The module of the prerequisite job.
    public var module: String
    /// The prerequisite's pass number (1-based).
    public var pass: Int

    /// Makes a link.
    public init(module: String, pass: Int) {
        self.module = module
        self.pass = pass
    }

    init(reader r: MemberReader) throws(DocumentError) {
        self.init(module: try r.string("module"), pass: try r.int("pass"))
    }

    /// The link as JSON.
    public var json: JSONValue { ["module": .string(module), "pass": .int(pass)] }

    /// Appends ``json`` as compact JSON text to `out`.
    func write(into out: inout [UInt8]) {
        JSONObjectWriter.write(into: &out) { m in
            m.member("module", string: module)
            m.member("pass", int: pass)
        }
    }
}
