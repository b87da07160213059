import JSON

/// How the lease passes between sites.
public enum LeaseMode: String, Sendable, Hashable, CaseIterable {
    /// The holder keeps the lease while it is healthy; standby sites take over when it goes quiet.
    case hold
    /// The holder releases after each cycle, naming the next site to take a turn.
    case rotate
}

/// One past holding of the lease, as kept in the document's `last_holders`.
public struct LeaseHistoryEntry: Sendable, Hashable {
    /// The site and process that held it.
    public var holder: LeaseHolder
    /// The epoch it held.
    public var epoch: Int64
    /// When it acquired the lease (its own wall clock, informational).
    public var acquired: String?
    /// When it released the lease; nil while held, or when it was taken over after expiry.
    public var released: String?

    /// Makes an entry.
    public init(holder: LeaseHolder, epoch: Int64, acquired: String?, released: String?) {
        self.holder = holder
        self.epoch = epoch
        self.acquired = acquired
        self.released = released
    }
}

/// The lease document `lease:<scope>`.
///
/// ```json
/// {"_id": "lease:processing", "_rev": "7-…", "type": "lease", "scope": "processing",
///  "holder": {"site": "site-a", "instance": "a.example.org/4242/5f0c9a1e"}, "epoch": 7,
///  "lease_seconds": 15, "acquired": "2026-11-22T04:00:00.000Z", "renewed": "2026-11-22T04:05:10.000Z",
///  "mode": "hold", "next": null, "last_holders": [{"site": …, "instance": …, "epoch": 7,
///  "acquired": …, "released": null}]}
/// ```
///
/// `epoch` is the fencing token: it only ever grows. `acquired`, `renewed` and the history
/// times are the writers' wall clocks, for people; expiry is never judged from them.
public struct LeaseDocument: Sendable, Hashable {
    /// How many past holdings `last_holders` keeps.
    public static let historyLimit = 10

    /// The lease's scope, e.g. `processing`.
    public var scope: String
    /// The document revision this value was read at or written as (nil before it exists).
    public var rev: String?
    /// The current holder, or nil when the lease is free (never taken, or released).
    public var holder: LeaseHolder?
    /// The fencing token of the current (or last) holding; 0 before the first acquisition.
    public var epoch: Int64
    /// How long the lease lasts without renewal, as the holder wrote it. Observers judge expiry
    /// with this value, never their own configuration.
    public var leaseSeconds: Double
    /// When the current holder acquired it (its wall clock, informational).
    public var acquired: String?
    /// When the current holder last renewed it (its wall clock, informational).
    public var renewed: String?
    /// Hold or rotate.
    public var mode: LeaseMode
    /// In rotate mode, the site named to take the next turn after a release.
    public var next: String?
    /// The last holdings, oldest first, at most ``historyLimit``.
    public var lastHolders: [LeaseHistoryEntry]
    /// Members this module does not know, kept when the document is rewritten.
    public var extra: JSONObject

    /// A lease that has never been held.
    public init(scope: String, leaseSeconds: Double, mode: LeaseMode) {
        self.scope = scope
        self.rev = nil
        self.holder = nil
        self.epoch = 0
        self.leaseSeconds = leaseSeconds
        self.acquired = nil
        self.renewed = nil
        self.mode = mode
        self.next = nil
        self.lastHolders = []
        self.extra = [:]
    }

    /// The document id for `scope`.
    public static func id(scope: String) -> String { "lease:" + scope }

    /// This document's id.
    public var id: String { Self.id(scope: scope) }

    /// ``leaseSeconds`` as a duration.
    public var leaseDuration: Duration { .seconds(leaseSeconds) }

    /// True when `holder` is the current holder (same site and instance).
    public func isHeld(by holder: LeaseHolder) -> Bool { self.holder == holder }

    // MARK: - Changes a holder makes

    /// The document after `holder` acquires it: epoch + 1, times set, `next` cleared, and the
    /// holding appended to the history.
    public func acquired(by holder: LeaseHolder, leaseSeconds: Double, mode: LeaseMode, at time: String) -> LeaseDocument {
        var copy = self
        copy.holder = holder
        copy.epoch = epoch + 1
        copy.leaseSeconds = leaseSeconds
        copy.mode = mode
        copy.acquired = time
        copy.renewed = time
        copy.next = nil
        copy.lastHolders.append(LeaseHistoryEntry(holder: holder, epoch: copy.epoch, acquired: time, released: nil))
        if copy.lastHolders.count > Self.historyLimit {
            copy.lastHolders.removeFirst(copy.lastHolders.count - Self.historyLimit)
        }
        return copy
    }

    /// The document after its holder renews it: same epoch, a new `renewed` time.
    public func renewed(at time: String) -> LeaseDocument {
        var copy = self
        copy.renewed = time
        return copy
    }

    /// The document after its holder releases it: no holder, same epoch (the next acquisition
    /// still adds one), `next` named, and the release time in the history.
    public func released(next: String?, at time: String) -> LeaseDocument {
        var copy = self
        copy.holder = nil
        copy.next = next
        if let index = copy.lastHolders.lastIndex(where: { $0.epoch == epoch && $0.holder == holder }) {
            copy.lastHolders[index].released = time
        }
        return copy
    }
}

// MARK: - JSON

extension LeaseDocument {
    /// Reads a lease document (as `GET` returns it).
    public init(json: JSONValue) throws(LeaseError) {
        guard case .object(var members) = json, let id = members["_id"]?.stringValue, id.hasPrefix("lease:") else {
            throw LeaseError(.malformedDocument, "not a lease document: no `_id` starting with lease:")
        }
        func fail(_ message: String) -> LeaseError {
            LeaseError(.malformedDocument, "\(id): \(message)")
        }
        let scope = String(id.dropFirst("lease:".count))
        guard let epoch = members["epoch"]?.numberValue?.int64Value, epoch >= 0 else {
            throw fail("`epoch` must be a non-negative integer")
        }
        guard let seconds = members["lease_seconds"]?.doubleValue, seconds > 0, seconds.isFinite else {
            throw fail("`lease_seconds` must be a positive number")
        }
        var mode = LeaseMode.hold
        if let text = members["mode"]?.stringValue {
            guard let parsed = LeaseMode(rawValue: text) else { throw fail("unknown `mode` \(text)") }
            mode = parsed
        }
        var holder: LeaseHolder?
        switch members["holder"] {
        case nil, .null?:
            holder = nil
        case let value?:
            guard let parsed = Self.holder(value) else { throw fail("`holder` must be null or {site, instance}") }
            holder = parsed
        }
        var history: [LeaseHistoryEntry] = []
        for entry in members["last_holders"]?.arrayValue ?? [] {
            guard let who = Self.holder(entry), let entryEpoch = entry["epoch"]?.numberValue?.int64Value else {
                throw fail("`last_holders` entries need site, instance and epoch")
            }
            history.append(LeaseHistoryEntry(
                holder: who, epoch: entryEpoch, acquired: entry["acquired"]?.stringValue,
                released: entry["released"]?.stringValue))
        }

        self.init(scope: scope, leaseSeconds: seconds, mode: mode)
        self.rev = members["_rev"]?.stringValue
        self.holder = holder
        self.epoch = epoch
        self.acquired = members["acquired"]?.stringValue
        self.renewed = members["renewed"]?.stringValue
        self.next = members["next"]?.stringValue
        self.lastHolders = history
        for known in Self.knownMembers { members[known] = nil }
        // `_conflicts`, `_revisions` and the like describe one read, not the document.
        self.extra = members.filter { !$0.key.hasPrefix("_") }
    }

    /// The document as JSON, with `_rev` when known.
    public var json: JSONValue {
        var members: JSONObject = ["_id": .string(id)]
        if let rev { members["_rev"] = .string(rev) }
        members["type"] = "lease"
        members["scope"] = .string(scope)
        members["holder"] = holder.map(Self.json(holder:)) ?? .null
        members["epoch"] = .int(epoch)
        members["lease_seconds"] = leaseSeconds == leaseSeconds.rounded() && abs(leaseSeconds) < 1e15
            ? .int(Int64(leaseSeconds)) : .double(leaseSeconds)
        members["acquired"] = acquired.map(JSONValue.string) ?? .null
        members["renewed"] = renewed.map(JSONValue.string) ?? .null
        members["mode"] = .string(mode.rawValue)
        members["next"] = next.map(JSONValue.string) ?? .null
        members["last_holders"] = .array(lastHolders.map { entry in
            var item = Self.json(holder: entry.holder)
            item["epoch"] = .int(entry.epoch)
            item["acquired"] = entry.acquired.map(JSONValue.string) ?? .null
            item["released"] = entry.released.map(JSONValue.string) ?? .null
            return item
        })
        for (key, value) in extra where members[key] == nil { members[key] = value }
        return .object(members)
    }

    static let knownMembers = [
        "_id", "_rev", "type", "scope", "holder", "epoch", "lease_seconds", "acquired", "renewed", "mode", "next",
        "last_holders",
    ]

    static func holder(_ value: JSONValue) -> LeaseHolder? {
        guard let site = value["site"]?.stringValue, let instance = value["instance"]?.stringValue else { return nil }
        return LeaseHolder(site: site, instance: instance)
    }

    static func json(holder: LeaseHolder) -> JSONValue {
        ["site": .string(holder.site), "instance": .string(holder.instance)]
    }
}
