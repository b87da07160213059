import Foundation

/// A batch system described as data: how to submit, query and cancel with its commands, and how
/// to read what they print. ``TemplatePresets`` has PBS, SGE and LSF.
///
/// Commands are lists of argument groups. A group that mentions a placeholder with no value
/// (a request without a wall time and `["-l", "walltime={walltime}"]`) is left out whole.
/// Placeholders: `{name}`, `{script}` (the script file), `{workdir}`, `{stdout}`, `{stderr}`,
/// `{cores}`, `{memory_mb}`, `{walltime}` (`HH:MM:SS`), `{walltime_seconds}`,
/// `{walltime_minutes}` (rounded up), `{ids}` (as its own argument: one argument per id),
/// `{ids_comma}`, `{prefix}` (the name prefix a find looks for).
public struct CommandTemplate: Sendable, Hashable, Codable {
    /// How one query command's output is read into jobs.
    public struct Query: Sendable, Hashable, Codable {
        /// The command, as argument groups.
        public var command: [[String]]
        /// A regex for the line that starts a record, for multi-line output (`qstat -j`); without
        /// it every line is a record.
        public var recordStart: String?
        /// Regexes with one capture group, searched in each record (`^`/`$` match at lines).
        /// A record without an id match is skipped.
        public var idPattern: String
        public var statePattern: String?
        public var namePattern: String?
        public var exitCodePattern: String?
        public var reasonPattern: String?
        /// Regexes for standard error of a non-zero exit that only means "no such job"
        /// (`qstat: Unknown Job Id`).
        public var noJobPatterns: [String]

        public init(command: [[String]], recordStart: String? = nil, idPattern: String,
                    statePattern: String? = nil, namePattern: String? = nil, exitCodePattern: String? = nil,
                    reasonPattern: String? = nil, noJobPatterns: [String] = []) {
            self.command = command
            self.recordStart = recordStart
            self.idPattern = idPattern
            self.statePattern = statePattern
            self.namePattern = namePattern
            self.exitCodePattern = exitCodePattern
            self.reasonPattern = reasonPattern
            self.noJobPatterns = noJobPatterns
        }

        enum CodingKeys: String, CodingKey {
            case command, recordStart = "record_start", idPattern = "id_pattern", statePattern = "state_pattern"
            case namePattern = "name_pattern", exitCodePattern = "exit_code_pattern"
            case reasonPattern = "reason_pattern", noJobPatterns = "no_job_patterns"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            command = try c.decode([[String]].self, forKey: .command)
            recordStart = try c.decodeIfPresent(String.self, forKey: .recordStart)
            idPattern = try c.decode(String.self, forKey: .idPattern)
            statePattern = try c.decodeIfPresent(String.self, forKey: .statePattern)
            namePattern = try c.decodeIfPresent(String.self, forKey: .namePattern)
            exitCodePattern = try c.decodeIfPresent(String.self, forKey: .exitCodePattern)
            reasonPattern = try c.decodeIfPresent(String.self, forKey: .reasonPattern)
            noJobPatterns = try c.decodeIfPresent([String].self, forKey: .noJobPatterns) ?? []
        }
    }

    /// The submit command.
    public var submit: [[String]]
    /// Whether the script goes on the submit command's standard input (`bsub`); otherwise it is
    /// written to a file named by `{script}`.
    public var scriptOnStandardInput: Bool
    /// Whether the script itself changes to the working directory (for systems without an
    /// option for it, like PBS Pro's `qsub`).
    public var changeDirectoryInScript: Bool
    /// A regex with one capture group finding the id in the submit command's output.
    public var submittedIDPattern: String
    /// Lists the jobs asked for (with `{ids}` or `{ids_comma}`).
    public var status: Query
    /// Lists finished jobs `status` no longer shows; `nil` when the system has no such command.
    public var history: Query?
    /// Lists jobs by name prefix (with `{prefix}`, or everything, filtered here).
    public var find: Query?
    /// The cancel command (with `{ids}`).
    public var cancel: [[String]]
    /// Regexes for standard error of a failed cancel that are not errors (already finished).
    public var cancelNoJobPatterns: [String]
    /// The system's state words and what they mean; unmapped words are ``BackendJobState/Kind/other``.
    public var stateMap: [String: BackendJobState.Kind]

    public init(submit: [[String]], scriptOnStandardInput: Bool = false, changeDirectoryInScript: Bool = false,
                submittedIDPattern: String, status: Query, history: Query? = nil, find: Query? = nil,
                cancel: [[String]], cancelNoJobPatterns: [String] = [], stateMap: [String: BackendJobState.Kind]) {
        self.submit = submit
        self.scriptOnStandardInput = scriptOnStandardInput
        self.changeDirectoryInScript = changeDirectoryInScript
        self.submittedIDPattern = submittedIDPattern
        self.status = status
        self.history = history
        self.find = find
        self.cancel = cancel
        self.cancelNoJobPatterns = cancelNoJobPatterns
        self.stateMap = stateMap
    }

    enum CodingKeys: String, CodingKey {
        case submit, scriptOnStandardInput = "script_on_stdin", changeDirectoryInScript = "cd_in_script"
        case submittedIDPattern = "submitted_id_pattern", status, history, find, cancel
        case cancelNoJobPatterns = "cancel_no_job_patterns", stateMap = "state_map"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        submit = try c.decode([[String]].self, forKey: .submit)
        scriptOnStandardInput = try c.decodeIfPresent(Bool.self, forKey: .scriptOnStandardInput) ?? false
        changeDirectoryInScript = try c.decodeIfPresent(Bool.self, forKey: .changeDirectoryInScript) ?? false
        submittedIDPattern = try c.decode(String.self, forKey: .submittedIDPattern)
        status = try c.decode(Query.self, forKey: .status)
        history = try c.decodeIfPresent(Query.self, forKey: .history)
        find = try c.decodeIfPresent(Query.self, forKey: .find)
        cancel = try c.decode([[String]].self, forKey: .cancel)
        cancelNoJobPatterns = try c.decodeIfPresent([String].self, forKey: .cancelNoJobPatterns) ?? []
        stateMap = try c.decode([String: BackendJobState.Kind].self, forKey: .stateMap)
    }

    /// Checks every regex compiles and has a capture group.
    public func validate() throws(BackendError) {
        var patterns = [submittedIDPattern]
        for query in [status, history, find].compactMap({ $0 }) {
            patterns += [query.idPattern] + [query.statePattern, query.namePattern, query.exitCodePattern, query.reasonPattern].compactMap { $0 }
        }
        for pattern in patterns {
            let regex = try TemplateText.regex(pattern)
            if regex.numberOfCaptureGroups < 1 {
                throw BackendError(.invalidConfiguration, "template pattern \"\(pattern)\" needs a capture group")
            }
        }
    }
}

/// Placeholder expansion and regex helpers for ``CommandTemplate``.
enum TemplateText {
    /// Expands the argument groups. `{ids}` alone in an argument becomes one argument per id.
    static func expand(_ groups: [[String]], values: [String: String], ids: [String] = []) -> [String] {
        var arguments: [String] = []
        groups: for group in groups {
            var expanded: [String] = []
            for argument in group {
                if argument == "{ids}" {
                    guard !ids.isEmpty else { continue groups }
                    expanded += ids
                    continue
                }
                var text = argument
                for placeholder in placeholders(in: argument) {
                    guard let value = placeholder == "ids_comma"
                        ? (ids.isEmpty ? nil : ids.joined(separator: ","))
                        : values[placeholder] else { continue groups }
                    text = text.replacingOccurrences(of: "{\(placeholder)}", with: value)
                }
                expanded.append(text)
            }
            arguments += expanded
        }
        return arguments
    }

    static func placeholders(in text: String) -> [String] {
        var names: [String] = []
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            names.append(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return names
    }

    static func regex(_ pattern: String) throws(BackendError) -> NSRegularExpression {
        do {
            return try NSRegularExpression(pattern: pattern, options: [.anchorsMatchLines])
        } catch {
            throw BackendError(.invalidConfiguration, "template pattern \"\(pattern)\" is not a valid regular expression")
        }
    }

    /// The first capture group of the first match, or `nil`.
    static func capture(_ regex: NSRegularExpression, in text: String) -> String? {
        let range = NSRange(text.startIndex..., in: text)
        guard let match = regex.firstMatch(in: text, range: range), match.numberOfRanges > 1,
              let group = Range(match.range(at: 1), in: text) else { return nil }
        return String(text[group])
    }

    /// Splits output into records: lines, or blocks each starting at a `recordStart` line.
    static func records(_ text: String, recordStart: NSRegularExpression?) -> [String] {
        let lines = text.split(whereSeparator: \.isNewline).map(String.init)
        guard let recordStart else { return lines }
        var records: [String] = []
        for line in lines {
            if recordStart.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)) != nil || records.isEmpty {
                records.append(line)
            } else {
                records[records.count - 1] += "\n" + line
            }
        }
        return records
    }
}
