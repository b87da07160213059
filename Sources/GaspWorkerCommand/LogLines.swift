import ArgumentParser
import Foundation
import JSON
import Lease
import Logging

/// How log lines look: `json` (one object a line, for journald and scripts) or `text` (for
/// people at a terminal).
public enum LogFormat: String, CaseIterable, Sendable {
    case json
    case text
}

/// A swift-log handler writing one line per event to standard error, with wall-clock time,
/// level, message and every metadata field.
public struct LogLineHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    let label: String
    let format: LogFormat

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let level = event.level
        let message = event.message
        var fields = metadata
        if let extra = event.metadata { fields.merge(extra) { _, new in new } }
        let text: String
        switch format {
        case .json:
            var members: JSONObject = [
                "time": .string(WallClock.now()), "level": .string(level.rawValue),
                "message": .string(message.description), "logger": .string(label),
            ]
            for key in fields.keys.sorted() { members[key] = .string("\(fields[key]!)") }
            text = JSONValue.object(members).serialized()
        case .text:
            let rest = fields.keys.sorted().map { "\($0)=\(fields[$0]!)" }.joined(separator: " ")
            text = "\(WallClock.now()) \(level.rawValue) \(message)" + (rest.isEmpty ? "" : " " + rest)
        }
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// Routes every logger of the process to standard error in `format` at `level`: `json` when
    /// standard error is not a terminal unless `format` says otherwise.
    public static func bootstrap(format: LogFormat?, level: Logger.Level) {
        let chosen = format ?? (isatty(STDERR_FILENO) == 1 ? .text : .json)
        LoggingSystem.bootstrap { label in LogLineHandler(logLevel: level, label: label, format: chosen) }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
extension LogFormat: ExpressibleByArgument {}
