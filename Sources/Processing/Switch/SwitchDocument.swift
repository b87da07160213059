import JSON

/// An operator switch `switch:<name>`: `{"type": "switch", "name": …, "enabled": bool}`.
///
/// `switch:auto_processing` turns automatic processing (run sensing and pending runs) off for
/// the whole database when `enabled` is false. A missing switch document means on.
public struct SwitchDocument: Sendable, Hashable {
    /// The name of the switch that gates automatic processing.
    public static let autoProcessing = "auto_processing"

    /// The switch name.
    public var name: String
    /// Whether what it gates may run.
    public var enabled: Bool
    /// Why it was set, for the next operator.
    public var reason: String?
    /// The lease epoch of the last fenced write, kept as read.
    public var epoch: Int64?
    /// The revision read (nil before it exists).
    public var rev: String?
    /// Members this type does not know.
    public var extra: JSONObject

    /// Makes a switch.
    public init(name: String, enabled: Bool, reason: String? = nil) {
        self.name = name
        self.enabled = enabled
        self.reason = reason
        self.epoch = nil
        self.rev = nil
        self.extra = [:]
    }

    /// The id for `name`.
    public static func id(name: String) -> String { "switch:" + name }

    /// This document's id.
    public var id: String { Self.id(name: name) }
}

extension SwitchDocument {
    /// Reads a switch document; throws naming the document and member that is wrong.
    public init(json: JSONValue) throws(DocumentError) {
        guard case .object(let members) = json, let id = members["_id"]?.stringValue, id.hasPrefix("switch:") else {
            throw DocumentError(.malformed, id: json["_id"]?.stringValue, "not a switch document: no `_id` starting with switch:")
        }
        let r = MemberReader(id: id, members: members)
        self.init(name: String(id.dropFirst("switch:".count)), enabled: try r.bool("enabled", default: true), reason: try r.optionalString("reason"))
        epoch = try r.optionalInt64("epoch")
        rev = try r.optionalString("_rev")
        extra = r.extra(known: ["_id", "_rev", "type", "name", "enabled", "reason", "epoch"])
    }

    /// The document as JSON, with `_rev` when known.
    public var json: JSONValue {
        var m: JSONObject = ["_id": .string(id)]
        if let rev { m["_rev"] = .string(rev) }
        m["type"] = "switch"
        m["name"] = .string(name)
        m["enabled"] = .bool(enabled)
        m.set("reason", reason)
        if let epoch { m["epoch"] = .int(epoch) }
        m.merge(extra: extra)
        return .object(m)
    }
}
