#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import JSON

/// The document `window:<schedule>:<fire>` for one scheduled window of data: created once by
/// whichever site's cycle finds it due (a second create is a 409), then updated as its job runs.
///
/// ```json
/// {"_id": "window:param-data:20261202T010000Z", "type": "window", "schedule": "param-data",
///  "module": "ParamDataGrabber", "fire": "2026-12-02T01:00:00Z",
///  "start": "2026-12-01T01:00:00Z", "end": "2026-12-02T01:00:00Z",
///  "draft_directory": "/scratch/draft", "output_directory": "/pnfs/ldrd/accelai/tape", "epoch": 12}
/// ```
///
/// The window is `[start, end)`; `end` is the fire time. Times are UTC, to the second.
public struct WindowDocument: Sendable, Hashable {
    /// The schedule's name.
    public var schedule: String
    /// The document revision this value was read at (nil before it exists).
    public var rev: String?
    /// The fire time the window belongs to.
    public var fire: Date
    /// The first instant in the window.
    public var start: Date
    /// The instant after the window.
    public var end: Date
    /// The module that processes the window.
    public var module: String
    /// Where outputs are written while being produced.
    public var draftDirectory: String
    /// Where finished outputs go.
    public var outputDirectory: String
    /// The lease epoch of the write, set by the cycle that writes it.
    public var epoch: Int64?
    /// Members this type does not know (such as the job's progress), kept when rewritten.
    public var extra: JSONObject

    /// A window not yet written.
    public init(
        schedule: String, fire: Date, start: Date, end: Date, module: String, draftDirectory: String,
        outputDirectory: String
    ) {
        self.schedule = schedule
        self.rev = nil
        self.fire = fire
        self.start = start
        self.end = end
        self.module = module
        self.draftDirectory = draftDirectory
        self.outputDirectory = outputDirectory
        self.epoch = nil
        self.extra = [:]
    }

    /// The id of the window of `schedule` that fires at `fire`: `window:<schedule>:<yyyyMMddTHHmmssZ>`.
    public static func id(schedule: String, fire: Date) -> String {
        "window:\(schedule):\(CivilTime.compact(seconds: CivilTime.seconds(fire)))"
    }

    /// This document's id.
    public var id: String { Self.id(schedule: schedule, fire: fire) }

    /// The window's length in seconds.
    public var seconds: Int { CivilTime.seconds(end) - CivilTime.seconds(start) }
}

// MARK: - JSON

extension WindowDocument {
    /// Reads a window document; throws naming the document and member that is wrong.
    public init(json: JSONValue) throws(DocumentError) {
        guard case .object(var members) = json, let id = members["_id"]?.stringValue, id.hasPrefix("window:") else {
            throw DocumentError(
                .malformed, id: json["_id"]?.stringValue, "not a window document: no `_id` starting with window:")
        }
        func fail(_ key: String, _ problem: String) -> DocumentError {
            DocumentError(.malformed, id: id, key: key, problem)
        }
        func string(_ key: String) throws(DocumentError) -> String {
            guard case .string(let text)? = members[key] else { throw fail(key, "must be a string") }
            return text
        }
        func time(_ key: String) throws(DocumentError) -> Date {
            let text = try string(key)
            guard let date = CivilTime.parseISO8601(text) else {
                throw fail(key, "\(text) is not a UTC time such as 2026-12-02T01:00:00Z")
            }
            return date
        }
        guard members["type"]?.stringValue == "window" else { throw fail("type", "must be \"window\"") }
        self.init(
            schedule: try string("schedule"), fire: try time("fire"), start: try time("start"), end: try time("end"),
            module: try string("module"), draftDirectory: try string("draft_directory"),
            outputDirectory: try string("output_directory"))
        guard start <= end else { throw fail("start", "must not be after end") }
        guard id == self.id else { throw fail("_id", "must be \(self.id) for its schedule and fire time") }
        rev = members["_rev"]?.stringValue
        switch members["epoch"] {
        case nil, .null?: epoch = nil
        case .number(let number)? where number.int64Value != nil: epoch = number.int64Value
        default: throw fail("epoch", "must be a whole number")
        }
        for known in Self.knownMembers { members[known] = nil }
        extra = members.filter { !$0.key.hasPrefix("_") }
    }

    /// The document as JSON, with `_rev` when known and `epoch` when set.
    public var json: JSONValue {
        var members: JSONObject = ["_id": .string(id)]
        if let rev { members["_rev"] = .string(rev) }
        members["type"] = "window"
        members["schedule"] = .string(schedule)
        members["module"] = .string(module)
        members["fire"] = .string(CivilTime.iso8601(seconds: CivilTime.seconds(fire)))
        members["start"] = .string(CivilTime.iso8601(seconds: CivilTime.seconds(start)))
        members["end"] = .string(CivilTime.iso8601(seconds: CivilTime.seconds(end)))
        members["draft_directory"] = .string(draftDirectory)
        members["output_directory"] = .string(outputDirectory)
        if let epoch { members["epoch"] = .int(epoch) }
        for (key, value) in extra where members[key] == nil { members[key] = value }
        return .object(members)
    }

    static let knownMembers = [
        "_id", "_rev", "type", "schedule", "module", "fire", "start", "end", "draft_directory", "output_directory", "epoch",
    ]
}
