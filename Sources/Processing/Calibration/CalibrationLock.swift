import JSON

/// The calibration lock `calibration_lock:<kind>`: a calibration run of this kind (e.g. PCA,
/// ECA) was seen, and no later run is processed until the calibration group releases the
/// lock, saying up to which run the calibration is valid.
///
/// ```json
/// {"_id": "calibration_lock:PCA", "type": "calibration_lock", "kind": "PCA", "run": 250,
///  "locked": true, "valid_to": null, "set": "2026-11-01T12:00:00.000Z", "released": null}
/// ```
public struct CalibrationLock: Sendable, Hashable {
    /// The calibration kind (the run type that sets it).
    public var kind: String
    /// The calibration run that set the lock.
    public var run: Int
    /// True while the lock holds later runs back.
    public var locked: Bool
    /// The last run the released calibration is valid for.
    public var validTo: Int?
    /// ISO-8601 times it was set and released.
    public var setTime: String?
    public var releasedTime: String?
    /// The lease epoch of the last fenced write, kept as read.
    public var epoch: Int64?
    /// The revision read (nil before it exists).
    public var rev: String?
    /// Members this type does not know.
    public var extra: JSONObject

    /// A lock set by calibration run `run`.
    public init(kind: String, run: Int, setTime: String?) {
        self.kind = kind
        self.run = run
        self.locked = true
        self.validTo = nil
        self.setTime = setTime
        self.releasedTime = nil
        self.epoch = nil
        self.rev = nil
        self.extra = [:]
    }

    /// The id for `kind`.
    public static func id(kind: String) -> String { "calibration_lock:" + kind }

    /// This document's id.
    public var id: String { Self.id(kind: kind) }

    /// True when this lock holds `run` back: it is locked and `run` comes after the
    /// calibration run.
    public func holds(run other: Int) -> Bool { locked && other > run }

    /// Releases the lock: the calibration is valid up to `validTo`.
    public mutating func release(validTo: Int, at time: String) {
        locked = false
        self.validTo = validTo
        releasedTime = time
    }
}

extension CalibrationLock {
    static let known: Set<String> = ["_id", "_rev", "type", "kind", "run", "locked", "valid_to", "set", "released", "epoch"]

    /// Reads a lock document; throws naming the document and member that is wrong.
    public init(json: JSONValue) throws(DocumentError) {
        guard case .object(let members) = json, let id = members["_id"]?.stringValue, id.hasPrefix("calibration_lock:") else {
            throw DocumentError(.malformed, id: json["_id"]?.stringValue, "not a calibration lock: no `_id` starting with calibration_lock:")
        }
        let r = MemberReader(id: id, members: members)
        self.init(kind: try r.string("kind"), run: try r.int("run"), setTime: try r.optionalString("set"))
        locked = try r.bool("locked", default: true)
        validTo = try r.optionalInt("valid_to")
        releasedTime = try r.optionalString("released")
        epoch = try r.optionalInt64("epoch")
        rev = try r.optionalString("_rev")
        extra = r.extra(known: Self.known)
    }

    /// The document as JSON, with `_rev` when known.
    public var json: JSONValue {
        var m: JSONObject = ["_id": .string(id)]
        if let rev { m["_rev"] = .string(rev) }
        m["type"] = "calibration_lock"
        m["kind"] = .string(kind)
        m["run"] = .int(run)
        m["locked"] = .bool(locked)
        m.set("valid_to", validTo)
        m.set("set", setTime)
        m.set("released", releasedTime)
        if let epoch { m["epoch"] = .int(epoch) }
        m.merge(extra: extra)
        return .object(m)
    }
}
