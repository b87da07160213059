import JSON

/// A batch job of an attempt that was reset while its site was away (the site stopped
/// heartbeating for longer than its `dead_after_seconds`): the pass went back to `waiting` and
/// may run elsewhere, but the job may still be alive at its site. The returning site's worker
/// cancels it and removes its attempt directory, then drops the record.
public struct AbandonedBatchJob: Sendable, Hashable {
    /// The site whose batch system has the job.
    public var site: String
    /// The attempt the job belonged to.
    public var attempt: Int
    /// The subfile, or nil for a run-level subjob.
    public var subrun: Int?
    /// The batch system's id, when it was recorded.
    public var backendID: String?
    /// The batch job's name (found by name when no id was recorded).
    public var backendName: String?
    /// The attempt's working directory, where its outputs are.
    public var directory: String?
    /// When the pass was reset (ISO-8601 UTC).
    public var since: String

    /// A record of one abandoned batch job.
    public init(site: String, attempt: Int, subrun: Int?, backendID: String?, backendName: String?, directory: String?, since: String) {
        self.site = site
        self.attempt = attempt
        self.subrun = subrun
        self.backendID = backendID
        self.backendName = backendName
        self.directory = directory
        self.since = since
    }

    /// The record as JSON.
    public var json: JSONValue {
        var members: JSONObject = ["site": .string(site), "attempt": .int(attempt)]
        members["subrun"] = subrun.map { .int($0) } ?? .null
        members["backend_id"] = backendID.map(JSONValue.string) ?? .null
        members["backend_name"] = backendName.map(JSONValue.string) ?? .null
        members["directory"] = directory.map(JSONValue.string) ?? .null
        members["since"] = .string(since)
        return .object(members)
    }

    /// Reads a record; nil when it is not one.
    public init?(json: JSONValue) {
        guard let site = json["site"]?.stringValue, let attempt = json["attempt"]?.intValue else { return nil }
        self.init(
            site: site, attempt: attempt, subrun: json["subrun"]?.intValue, backendID: json["backend_id"]?.stringValue,
            backendName: json["backend_name"]?.stringValue, directory: json["directory"]?.stringValue,
            since: json["since"]?.stringValue ?? "")
    }
}

extension Pass {
    /// The batch jobs of earlier attempts reset while their site was away, still to be cancelled
    /// and cleaned up by that site (the `abandoned` member).
    public var abandoned: [AbandonedBatchJob] {
        get { (extra["abandoned"]?.arrayValue ?? []).compactMap(AbandonedBatchJob.init(json:)) }
        set { extra["abandoned"] = newValue.isEmpty ? nil : .array(newValue.map(\.json)) }
    }
}
