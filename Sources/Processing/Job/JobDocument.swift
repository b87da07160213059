import JSON

/// The job document `job:<module>:<run10>`: every pass of one (run, module).
///
/// ```json
/// {"_id": "job:Processing:0000000100", "type": "job", "module": "Processing", "run": 100,
///  "run_type": "Physics", "passes": [{"pass": 1, "status": "waiting", "version": "7.0.9", …}]}
/// ```
public struct JobDocument: Sendable, Hashable {
    /// The module name.
    public var module: String
    /// The run number.
    public var run: Int
    /// The run's type when the job was created (nil for production jobs without one).
    public var runType: String?
    /// The lease epoch of the last fenced write, kept as read (nil when never fenced).
    public var epoch: Int64?
    /// The document revision this value was read at (nil before it exists).
    public var rev: String?
    /// The passes, pass 1 first.
    public var passes: [Pass]
    /// Members this type does not know, kept on rewrite.
    public var extra: JSONObject

    /// A job with no passes yet.
    public init(module: String, run: Int, runType: String?, passes: [Pass] = []) {
        self.module = module
        self.run = run
        self.runType = runType
        self.epoch = nil
        self.rev = nil
        self.passes = passes
        self.extra = [:]
    }

    /// The id for (module, run): `job:<module>:<run zero-padded to 10 digits>`.
    public static func id(module: String, run: Int) -> String { "job:\(module):\(RunNumber.padded(run))" }

    /// This document's id.
    public var id: String { Self.id(module: module, run: run) }

    /// The number the next pass gets.
    public var nextPassNumber: Int { (passes.map(\.pass).max() ?? 0) + 1 }

    /// The pass numbered `number`.
    public func pass(_ number: Int) -> Pass? { passes.first { $0.pass == number } }

    /// The highest-numbered pass, optionally only among those of `version`.
    public func lastPass(version: String? = nil) -> Pass? {
        passes.filter { version == nil || $0.version == version }.max { $0.pass < $1.pass }
    }

    /// The pass made by request `requestID`, if any.
    public func pass(requestID: String) -> Pass? { passes.first { $0.requestID == requestID } }
}

// MARK: - JSON

extension JobDocument {
    static let known: Set<String> = ["_id", "_rev", "type", "module", "run", "run_type", "epoch", "passes"]

    /// Reads a job document; throws naming the document and member that is wrong.
    public init(json: JSONValue) throws(DocumentError) {
        guard case .object(let members) = json, let id = members["_id"]?.stringValue, id.hasPrefix("job:") else {
            throw DocumentError(.malformed, id: json["_id"]?.stringValue, "not a job document: no `_id` starting with job:")
        }
        let r = MemberReader(id: id, members: members)
        self.init(module: try r.string("module"), run: try r.int("run"), runType: try r.optionalString("run_type"))
        guard id == Self.id(module: module, run: run) else {
            throw r.fail("_id", "does not match module \(module) and run \(run) (expected \(Self.id(module: module, run: run)))")
        }
        epoch = try r.optionalInt64("epoch")
        rev = try r.optionalString("_rev")
        for item in try r.objects("passes") { passes.append(try Pass(reader: item)) }
        extra = r.extra(known: Self.known)
    }

    /// The document as JSON, with `_rev` when known.
    public var json: JSONValue { JSONValue(writtenJSON: serializedJSON) }

    /// ``json`` as compact JSON text, written directly (the form bulk writes send).
    public var serializedJSON: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512 * max(1, passes.count))
        write(into: &out)
        return out
    }

    /// Appends ``json`` as compact JSON text to `out`.
    public func write(into out: inout [UInt8]) {
        JSONObjectWriter.write(into: &out, extra: extra) { m in
            m.member("_id", string: id)
            if let rev { m.member("_rev", string: rev) }
            m.member("type", string: "job")
            m.member("module", string: module)
            m.member("run", int: run)
            m.member("run_type", string: runType)
            if let epoch { m.member("epoch", int64: epoch) }
            m.member("passes", count: passes.count) { i, out in passes[i].write(into: &out) }
        }
    }
}
