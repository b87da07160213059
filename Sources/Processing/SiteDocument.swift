import JSON

/// The farm document `site:<name>`: what one site's worker says about itself, rewritten at
/// every heartbeat, plus the two switches operators set (`enabled`, `draining`), which the
/// worker keeps as it finds them.
///
/// ```json
/// {"_id": "site:site-a", "type": "site", "name": "site-a", "host": "a.example.org", "pid": 4242,
///  "instance": "a.example.org/4242/5f0c9a1e", "version": "0.4.0", "backend": "slurm",
///  "capacity": 200, "supported_versions": ["7.0.8", "7.0.9"], "enabled": true, "draining": false,
///  "state": "holding", "lease": {"scope": "processing", "epoch": 12},
///  "started": "2026-11-22T04:00:00.000Z", "heartbeat": "2026-11-22T04:05:10.123Z",
///  "heartbeat_seconds": 5}
/// ```
///
/// Times are the worker's wall clock, for people and for a first guess at liveness; a reader
/// that watches a site for longer judges it by seeing `_rev` change on its own clock.
public struct SiteDocument: Sendable, Hashable {
    /// What the worker is doing, as it last said.
    public enum State: String, Sendable, Hashable, CaseIterable {
        /// Holds the lease and runs the cycle.
        case holding
        /// Heartbeats and watches the lease.
        case standby
        /// Shutting down: guarded work stopping, lease being released.
        case stopping
        /// Exited cleanly.
        case stopped
    }

    /// The site name (`site:<name>`).
    public var name: String
    /// The document revision this value was read at (nil before it exists).
    public var rev: String?
    /// The host the worker runs on.
    public var host: String
    /// The worker's process id.
    public var pid: Int
    /// The worker process's lease identity (host/pid/random).
    public var instance: String
    /// The gasp version the worker runs.
    public var version: String
    /// The batch backend kind (`local`, `slurm`, `condor`, …).
    public var backend: String
    /// How many passes the site runs at once.
    public var capacity: Int
    /// The software versions the site can run.
    public var supportedVersions: [String]
    /// Operator switch: a disabled site takes no lease turn and claims nothing.
    public var enabled: Bool
    /// Operator switch: a draining site monitors and catalogues but claims nothing new.
    public var draining: Bool
    /// What the worker is doing.
    public var state: State
    /// The lease scope and epoch the worker holds, when it holds one.
    public var lease: (scope: String, epoch: Int64)?
    /// When the worker process started (its wall clock).
    public var started: String?
    /// The last heartbeat (its wall clock).
    public var heartbeat: String?
    /// How often the worker heartbeats, in seconds.
    public var heartbeatSeconds: Double
    /// How long the site may go without a heartbeat before its passes are reset and run
    /// elsewhere (its batch jobs may still be running: minutes, not heartbeats).
    public var deadAfterSeconds: Double
    /// How often the site follows its passes (the worker's cycle interval), in seconds.
    public var cycleSeconds: Double?
    /// When the site last followed its passes through its batch system (its wall clock).
    public var monitored: String?
    /// How many of the worker's writes the fencing rule refused since it started (each one a
    /// sign that it acted after a newer lease holder had taken over).
    public var fencedWrites: Int
    /// The last write the fencing rule refused: document, epoch, time and reason.
    public var lastFencedWrite: JSONValue?
    /// Members this type does not know, kept when the document is rewritten.
    public var extra: JSONObject

    /// A site document for a worker that has not written one yet.
    public init(
        name: String, host: String, pid: Int, instance: String, version: String, backend: String,
        capacity: Int, supportedVersions: [String], heartbeatSeconds: Double
    ) {
        self.name = name
        self.rev = nil
        self.host = host
        self.pid = pid
        self.instance = instance
        self.version = version
        self.backend = backend
        self.capacity = capacity
        self.supportedVersions = supportedVersions
        self.enabled = true
        self.draining = false
        self.state = .standby
        self.lease = nil
        self.started = nil
        self.heartbeat = nil
        self.heartbeatSeconds = heartbeatSeconds
        self.deadAfterSeconds = Self.defaultDeadAfterSeconds
        self.fencedWrites = 0
        self.lastFencedWrite = nil
        self.cycleSeconds = nil
        self.monitored = nil
        self.extra = [:]
    }

    /// The default of ``deadAfterSeconds``: five minutes.
    public static let defaultDeadAfterSeconds: Double = 300

    /// The document id for `name`.
    public static func id(name: String) -> String { "site:" + name }

    /// This document's id.
    public var id: String { Self.id(name: name) }

    /// True when the site may take work: enabled and not draining.
    public var acceptsWork: Bool { enabled && !draining }

    public static func == (a: SiteDocument, b: SiteDocument) -> Bool { a.json == b.json }
    public func hash(into hasher: inout Hasher) { hasher.combine(json) }
}

// MARK: - JSON

extension SiteDocument {
    /// Reads a site document; throws naming the document and member that is wrong.
    public init(json: JSONValue) throws(DocumentError) {
        guard case .object(var members) = json, let id = members["_id"]?.stringValue, id.hasPrefix("site:") else {
            throw DocumentError(.malformed, id: json["_id"]?.stringValue, "not a site document: no `_id` starting with site:")
        }
        func fail(_ key: String, _ problem: String) -> DocumentError {
            DocumentError(.malformed, id: id, key: key, problem)
        }
        let name = String(id.dropFirst("site:".count))
        func string(_ key: String) throws(DocumentError) -> String {
            switch members[key] {
            case nil, .null?: return ""
            case .string(let text)?: return text
            default: throw fail(key, "must be a string")
            }
        }
        let capacity = members["capacity"]?.intValue ?? 0
        guard capacity >= 0 else { throw fail("capacity", "must not be negative") }
        var versions: [String] = []
        for item in members["supported_versions"]?.arrayValue ?? [] {
            guard let text = item.stringValue else { throw fail("supported_versions", "must be a list of strings") }
            versions.append(text)
        }
        self.init(
            name: name, host: try string("host"), pid: members["pid"]?.intValue ?? 0, instance: try string("instance"),
            version: try string("version"), backend: try string("backend"), capacity: capacity,
            supportedVersions: versions, heartbeatSeconds: members["heartbeat_seconds"]?.doubleValue ?? 0)
        rev = members["_rev"]?.stringValue
        enabled = members["enabled"]?.boolValue ?? true
        draining = members["draining"]?.boolValue ?? false
        let stateText = try string("state")
        state = State(rawValue: stateText) ?? .standby
        if let scope = members["lease"]?["scope"]?.stringValue, let epoch = members["lease"]?["epoch"]?.numberValue?.int64Value {
            lease = (scope, epoch)
        }
        started = members["started"]?.stringValue
        heartbeat = members["heartbeat"]?.stringValue
        if let seconds = members["dead_after_seconds"]?.doubleValue, seconds.isFinite, seconds > 0 { deadAfterSeconds = seconds }
        fencedWrites = max(0, members["fenced_writes"]?.intValue ?? 0)
        cycleSeconds = members["cycle_seconds"]?.doubleValue.flatMap { $0.isFinite && $0 >= 0 ? $0 : nil }
        monitored = members["monitored"]?.stringValue
        lastFencedWrite = members["last_fenced_write"].flatMap { $0.isNull ? nil : $0 }
        for known in Self.knownMembers { members[known] = nil }
        extra = members.filter { !$0.key.hasPrefix("_") }
    }

    /// The document as JSON, with `_rev` when known.
    public var json: JSONValue {
        var members: JSONObject = ["_id": .string(id)]
        if let rev { members["_rev"] = .string(rev) }
        members["type"] = "site"
        members["name"] = .string(name)
        members["host"] = .string(host)
        members["pid"] = .int(pid)
        members["instance"] = .string(instance)
        members["version"] = .string(version)
        members["backend"] = .string(backend)
        members["capacity"] = .int(capacity)
        members["supported_versions"] = .array(supportedVersions.map(JSONValue.string))
        members["enabled"] = .bool(enabled)
        members["draining"] = .bool(draining)
        members["state"] = .string(state.rawValue)
        members["lease"] = lease.map { ["scope": .string($0.scope), "epoch": .int($0.epoch)] } ?? .null
        members["started"] = started.map(JSONValue.string) ?? .null
        members["heartbeat"] = heartbeat.map(JSONValue.string) ?? .null
        members["heartbeat_seconds"] = heartbeatSeconds == heartbeatSeconds.rounded() && abs(heartbeatSeconds) < 1e15
            ? .int(Int64(heartbeatSeconds)) : .double(heartbeatSeconds)
        members["dead_after_seconds"] = deadAfterSeconds == deadAfterSeconds.rounded() && abs(deadAfterSeconds) < 1e15
            ? .int(Int64(deadAfterSeconds)) : .double(deadAfterSeconds)
        if let cycleSeconds { members["cycle_seconds"] = .double(cycleSeconds) }
        members["monitored"] = monitored.map(JSONValue.string) ?? .null
        members["fenced_writes"] = .int(fencedWrites)
        if let lastFencedWrite { members["last_fenced_write"] = lastFencedWrite }
        for (key, value) in extra where members[key] == nil { members[key] = value }
        return .object(members)
    }

    static let knownMembers = [
        "_id", "_rev", "type", "name", "host", "pid", "instance", "version", "backend", "capacity",
        "supported_versions", "enabled", "draining", "state", "lease", "started", "heartbeat", "heartbeat_seconds",
        "dead_after_seconds", "fenced_writes", "last_fenced_write", "cycle_seconds", "monitored",
    ]
}
