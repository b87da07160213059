/// What ``OutputVerifier`` found for a pass: one entry per (data type, subrun), each either a
/// file with its size and checksum or the reason there is none.
public struct OutputVerification: Sendable, Hashable {
    /// What was found for one expected file.
    public enum Status: Sendable, Hashable {
        /// Exactly one non-empty file matches.
        case found(OutputFile)
        /// No file matches.
        case missing
        /// Only empty files match (their names are given); an empty file is not an output.
        case empty([String])
        /// Several non-empty files match (their names are given), so none can be catalogued.
        case ambiguous([String])
    }

    /// The finding for one data type and subrun.
    public struct Entry: Sendable, Hashable {
        /// The data type.
        public var dataType: String
        /// The subrun, or nil for an output the pass makes once (a run-level module, or a
        /// pattern without `{subrun}`).
        public var subrun: Int?
        /// The pattern with the pass's values filled in, e.g. `r0000012345_s003_*.root`.
        public var expectedName: String
        /// What was found.
        public var status: Status

        /// Makes an entry.
        public init(dataType: String, subrun: Int?, expectedName: String, status: Status) {
            self.dataType = dataType
            self.subrun = subrun
            self.expectedName = expectedName
            self.status = status
        }

        /// The file, when one was found.
        public var file: OutputFile? {
            if case .found(let file) = status { file } else { nil }
        }
    }

    /// The directory searched.
    public var directory: String
    /// Every expected file, in the order of the expected outputs, then by subrun.
    public var entries: [Entry]

    /// Makes a result.
    public init(directory: String, entries: [Entry]) {
        self.directory = directory
        self.entries = entries
    }

    /// True when every expected file was found: only then may the pass be marked completed.
    public var isComplete: Bool { entries.allSatisfy { $0.file != nil } }

    /// The entries with no usable file.
    public var problems: [Entry] { entries.filter { $0.file == nil } }

    /// The files found, per data type in entry order.
    public var filesByDataType: [String: [OutputFile]] {
        var files: [String: [OutputFile]] = [:]
        for entry in entries { if let file = entry.file { files[entry.dataType, default: []].append(file) } }
        return files
    }

    /// One line per problem, e.g. `ntuple subrun 3: missing (r0000012345_s003_*.ntuple.root)`.
    public var summary: String {
        let lines = problems.map { entry -> String in
            let which = entry.subrun.map { "\(entry.dataType) subrun \($0)" } ?? entry.dataType
            let what: String
            switch entry.status {
            case .found: what = "found"
            case .missing: what = "missing"
            case .empty(let names): what = "empty: " + names.joined(separator: ", ")
            case .ambiguous(let names): what = "several files match: " + names.joined(separator: ", ")
            }
            return "\(which): \(what) (\(entry.expectedName))"
        }
        return lines.isEmpty ? "all \(entries.count) outputs present" : lines.joined(separator: "\n")
    }
}
