import Foundation

/// One job as `squeue`, `sacct` or `scontrol` described it.
public struct SlurmJobRecord: Sendable, Hashable {
    public var id: BackendJobID
    public var name: String
    public var state: BackendJobState
    /// `scontrol`'s `StdOut`/`StdErr`, when it said.
    public var standardOutputPath: String?
    public var standardErrorPath: String?
    /// `sacct`'s `TotalCPU` in seconds, when it said.
    public var cpuSeconds: Double?
}

/// Parsers for the text Slurm's commands print in the formats ``SlurmBackend`` asks for.
public enum SlurmOutputParsers {
    /// The `squeue -O` format: `|` after each field, the name last so it may contain anything.
    public static let squeueFormat = "JobID:|,State:|,exit_code:|,Reason:|,Name:"

    /// The `sacct -o` fields (with `-P`, `|`-separated), the name last.
    public static let sacctFields = "JobID,State,ExitCode,TotalCPU,JobName"

    /// `squeue -h -O JobID:|,State:|,exit_code:|,Reason:|,Name:` lines.
    public static func squeue(_ text: String) throws(BackendError) -> [SlurmJobRecord] {
        var records: [SlurmJobRecord] = []
        for line in text.split(whereSeparator: \.isNewline) where !line.allSatisfy(\.isWhitespace) {
            let fields = line.split(separator: "|", maxSplits: 4, omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard fields.count == 5, !fields[0].isEmpty else {
                throw BackendError(.unparsableOutput, "cannot read squeue line \"\(line)\" (expected id|state|exit|reason|name)")
            }
            let (exit, signal) = SlurmStateParser.exitAndSignal(waitStatus: fields[2])
            let kind = SlurmStateParser.kind(of: fields[1])
            let finished = BackendJobState(kind, raw: "").isFinished
            records.append(SlurmJobRecord(
                id: BackendJobID(fields[0]), name: fields[4],
                state: SlurmStateParser.state(raw: fields[1], exitCode: finished ? exit : nil,
                                              signal: finished ? signal : nil, reason: fields[3])))
        }
        return records
    }

    /// `sacct -P -n -X -o JobID,State,ExitCode,TotalCPU,JobName` lines.
    public static func sacct(_ text: String) throws(BackendError) -> [SlurmJobRecord] {
        var records: [SlurmJobRecord] = []
        for line in text.split(whereSeparator: \.isNewline) where !line.allSatisfy(\.isWhitespace) {
            let fields = line.split(separator: "|", maxSplits: 4, omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 5, !fields[0].isEmpty else {
                throw BackendError(.unparsableOutput, "cannot read sacct line \"\(line)\" (expected id|state|exitcode|totalcpu|name)")
            }
            let (exit, signal) = SlurmStateParser.exitAndSignal(sacct: fields[2])
            let kind = SlurmStateParser.kind(of: fields[1])
            let finished = BackendJobState(kind, raw: "").isFinished
            records.append(SlurmJobRecord(
                id: BackendJobID(fields[0]), name: fields[4],
                state: SlurmStateParser.state(raw: fields[1], exitCode: finished ? exit : nil, signal: finished ? signal : nil),
                cpuSeconds: duration(fields[3])))
        }
        return records
    }

    /// `scontrol -o show job` output: one job per line, `Key=Value` pairs separated by spaces
    /// (values may contain spaces; a new pair starts only at ` Key=` with a known key shape).
    public static func scontrol(_ text: String) -> [SlurmJobRecord] {
        text.split(whereSeparator: \.isNewline).compactMap { line -> SlurmJobRecord? in
            let pairs = keyValues(String(line))
            guard let id = pairs["JobId"], let state = pairs["JobState"] else { return nil }
            let (exit, signal) = SlurmStateParser.exitAndSignal(sacct: pairs["ExitCode"] ?? "")
            let finished = BackendJobState(SlurmStateParser.kind(of: state), raw: "").isFinished
            return SlurmJobRecord(
                id: BackendJobID(id), name: pairs["JobName"] ?? "",
                state: SlurmStateParser.state(raw: state, exitCode: finished ? exit : nil,
                                              signal: finished ? signal : nil, reason: pairs["Reason"]),
                standardOutputPath: pairs["StdOut"], standardErrorPath: pairs["StdErr"])
        }
    }

    /// `Key=Value Key2=Value with spaces Key3=...` as a dictionary.
    static func keyValues(_ line: String) -> [String: String] {
        var result: [String: String] = [:]
        var key: String?
        var value = ""
        for token in line.split(separator: " ", omittingEmptySubsequences: false) {
            if let equals = token.firstIndex(of: "="), isKey(token[..<equals]) {
                if let key { result[key] = value }
                key = String(token[..<equals])
                value = String(token[token.index(after: equals)...])
            } else if key != nil {
                value += " " + token
            }
        }
        if let key { result[key] = value }
        return result
    }

    private static func isKey(_ text: Substring) -> Bool {
        guard let first = text.first, first.isLetter else { return false }
        return text.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == ":" || $0 == "/" }
    }

    /// A Slurm duration (`[D-][HH:]MM:SS[.mmm]`, as `sacct`'s `TotalCPU`) in seconds.
    public static func duration(_ text: String) -> Double? {
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        guard !rest.isEmpty else { return nil }
        var days = 0.0
        if let dash = rest.firstIndex(of: "-") {
            guard let d = Double(rest[..<dash]) else { return nil }
            days = d
            rest = rest[rest.index(after: dash)...]
        }
        let parts = rest.split(separator: ":").map { Double($0) }
        guard !parts.isEmpty, parts.count <= 3, parts.allSatisfy({ $0 != nil }) else { return nil }
        var seconds = 0.0
        for part in parts { seconds = seconds * 60 + part! }
        return days * 86_400 + seconds
    }

    /// `sbatch --parsable` output: `1234` or `1234;cluster`.
    public static func sbatchID(_ text: String) throws(BackendError) -> BackendJobID {
        let line = text.split(whereSeparator: \.isNewline).last.map(String.init) ?? ""
        let id = line.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        guard !id.isEmpty, id.allSatisfy({ $0.isNumber || $0 == "_" }) else {
            throw BackendError(.unparsableOutput, "sbatch --parsable printed \"\(text.trimmingCharacters(in: .whitespacesAndNewlines))\", not a job id")
        }
        return BackendJobID(id)
    }

    /// A wall time in seconds as `sbatch --time` wants it (`D-HH:MM:SS`), rounded up to whole
    /// minutes, Slurm's resolution and minimum.
    public static func timeLimit(seconds: Int) -> String {
        let minutes = max(1, (seconds + 59) / 60)
        let days = minutes / 1440
        let hours = (minutes % 1440) / 60
        let mins = minutes % 60
        return days > 0
            ? String(format: "%d-%02d:%02d:00", days, hours, mins)
            : String(format: "%02d:%02d:00", hours, mins)
    }
}
