import JSON

/// Where a run is in automatic processing (the XAMS `processing_status`).
public enum ProcessingStatus: String, Sendable, Hashable, CaseIterable {
    /// An operator (or the data flow) asks for the run to be processed.
    case pending
    /// Its jobs are created.
    case queued
    /// Every job's last pass completed.
    case done
    /// A job failed for good; see `failure_reason` and `failure_count`.
    case failed
}

/// The run document `run:<run10>`: what the data flow registered about one run.
///
/// ```json
/// {"_id": "run:0000000100", "type": "run", "run": 100, "run_type": "Physics",
///  "start": "2026-11-01T10:00:00Z", "end": "2026-11-01T11:00:00Z", "complete": true,
///  "subfiles": 3, "processing_status": null, "failure_reason": null, "failure_count": 0}
/// ```
public struct RunDocument: Sendable, Hashable {
    /// The run number.
    public var run: Int
    /// The run type (`Physics`, `PCA`, …), which picks the modules.
    public var runType: String?
    /// ISO-8601 start and end times.
    public var start: String?
    public var end: String?
    /// True once every subfile of the run is registered.
    public var complete: Bool
    /// How many subfiles the run has (one subjob each for a `sub_run` module).
    public var subfiles: Int
    /// Automatic-processing status, nil when the run is not in automatic processing.
    public var processingStatus: ProcessingStatus?
    /// Why the last processing failed.
    public var failureReason: String?
    /// How many times processing failed.
    public var failureCount: Int
    /// The lease epoch of the last fenced write, kept as read.
    public var epoch: Int64?
    /// The revision read (nil before it exists).
    public var rev: String?
    /// Members this type does not know, kept on rewrite.
    public var extra: JSONObject

    /// Makes a run document.
    public init(
        run: Int, runType: String?, start: String? = nil, end: String? = nil, complete: Bool = true, subfiles: Int = 1,
        processingStatus: ProcessingStatus? = nil
    ) {
        self.run = run
        self.runType = runType
        self.start = start
        self.end = end
        self.complete = complete
        self.subfiles = subfiles
        self.processingStatus = processingStatus
        self.failureReason = nil
        self.failureCount = 0
        self.epoch = nil
        self.rev = nil
        self.extra = [:]
    }

    /// The id for `run`: `run:<run zero-padded to 10 digits>`.
    public static func id(run: Int) -> String { "run:" + RunNumber.padded(run) }

    /// This document's id.
    public var id: String { Self.id(run: run) }

    /// The registration-relevant members equal (what `gasp runs add` compares before rewriting).
    public func sameRegistration(as other: RunDocument) -> Bool {
        run == other.run && runType == other.runType && start == other.start && end == other.end
            && complete == other.complete && subfiles == other.subfiles
    }
}

extension RunDocument {
    static let known: Set<String> = [
        "_id", "_rev", "type", "run", "run_type", "start", "end", "complete", "subfiles", "processing_status",
        "failure_reason", "failure_count", "epoch",
    ]

    /// Reads a run document; throws naming the document and member that is wrong.
    public init(json: JSONValue) throws(DocumentError) {
        guard case .object(let members) = json, let id = members["_id"]?.stringValue, id.hasPrefix("run:") else {
            throw DocumentError(.malformed, id: json["_id"]?.stringValue, "not a run document: no `_id` starting with run:")
        }
        let r = MemberReader(id: id, members: members)
        let run = try r.int("run")
        guard id == Self.id(run: run) else { throw r.fail("run", "does not match the id (expected \(Self.id(run: run)))") }
        self.init(run: run, runType: try r.optionalString("run_type"), start: try r.optionalString("start"),
                  end: try r.optionalString("end"), complete: try r.bool("complete", default: false),
                  subfiles: try r.int("subfiles", default: 1))
        guard subfiles >= 0 else { throw r.fail("subfiles", "must not be negative") }
        if let text = try r.optionalString("processing_status") {
            guard let status = ProcessingStatus(rawValue: text) else {
                throw r.fail("processing_status", "unknown status \(text) (known: pending, queued, done, failed)")
            }
            processingStatus = status
        }
        failureReason = try r.optionalString("failure_reason")
        failureCount = try r.int("failure_count", default: 0)
        epoch = try r.optionalInt64("epoch")
        rev = try r.optionalString("_rev")
        extra = r.extra(known: Self.known)
    }

    /// The document as JSON, with `_rev` when known.
    public var json: JSONValue {
        var m: JSONObject = ["_id": .string(id)]
        if let rev { m["_rev"] = .string(rev) }
        m["type"] = "run"
        m["run"] = .int(run)
        m.set("run_type", runType)
        m.set("start", start)
        m.set("end", end)
        m["complete"] = .bool(complete)
        m["subfiles"] = .int(subfiles)
        m.set("processing_status", processingStatus?.rawValue)
        m.set("failure_reason", failureReason)
        m["failure_count"] = .int(failureCount)
        if let epoch { m["epoch"] = .int(epoch) }
        m.merge(extra: extra)
        return .object(m)
    }
}
