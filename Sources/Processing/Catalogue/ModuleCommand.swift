/// A module's command with its placeholders: `{name}` or `{name:qualifier}`, where the name is
/// lower-case letters, digits and `_`. Anything else in braces is the shell's and left alone:
/// `${HOME}`, `{a,b}`, awk's `{print $1}`, find's `{}`.
///
/// The placeholders a command may use (``known``), filled in when a batch job is made:
///
/// | placeholder | stands for |
/// |---|---|
/// | `{run}`, `{run10}` | the run number, plain or zero-padded to 10 digits |
/// | `{subrun}` | the subjob's subfile (empty for a run-level subjob) |
/// | `{pass}`, `{attempt}` | the pass number and the attempt (1-based) |
/// | `{module}`, `{version}`, `{input_kind}`, `{conditions_tag}` | the pass's identity |
/// | `{output}` | the attempt's directory, where outputs go (also the working directory) |
/// | `{events}` | a production pass's `n_ev` (or `ev_per_run`) |
/// | `{window_start}`, `{window_end}` | a scheduled window's bounds |
/// | `{input}` | the path of the prerequisite pass's file for this subjob (its subrun, or the run's one file) |
/// | `{inputs}` | the paths of every prerequisite file for this subjob, space-separated: all of the run's for a run-level module, this subrun's for a `sub_run` module |
///
/// `{input}` and `{inputs}` read the prerequisite module's first listed output; `{input:ntuple}`
/// names another data type of a prerequisite module.
public struct ModuleCommand: Sendable, Hashable {
    /// One placeholder as written.
    public struct Placeholder: Sendable, Hashable, CustomStringConvertible {
        /// The name, e.g. `input`.
        public var name: String
        /// What follows a colon, e.g. the data type in `{input:ntuple}`.
        public var qualifier: String?

        /// Makes a placeholder.
        public init(name: String, qualifier: String? = nil) {
            self.name = name
            self.qualifier = qualifier
        }

        /// True for `{input}` and `{inputs}` (with or without a data type).
        public var readsInput: Bool { name == "input" || name == "inputs" }

        /// As written: `{name}` or `{name:qualifier}`.
        public var description: String { "{" + name + (qualifier.map { ":" + $0 } ?? "") + "}" }
    }

    /// A literal run of text or a placeholder.
    public enum Piece: Sendable, Hashable {
        case text(String)
        case placeholder(Placeholder)
    }

    /// Every placeholder name a command may use.
    public static let known: [String] = [
        "run", "run10", "subrun", "pass", "attempt", "module", "version", "input_kind", "conditions_tag", "output", "events",
        "window_start", "window_end", "input", "inputs",
    ]

    /// The command, split into text and placeholders.
    public let pieces: [Piece]

    /// Splits `command` into text and placeholders.
    public init(_ command: String) {
        var pieces: [Piece] = []
        var text = ""
        var rest = Substring(command)
        while let open = rest.firstIndex(of: "{") {
            text += rest[..<open]
            let afterOpen = rest.index(after: open)
            let preceded = text.last == "$"
            if !preceded, let close = rest[afterOpen...].firstIndex(of: "}"),
               let placeholder = Self.placeholder(rest[afterOpen..<close]) {
                if !text.isEmpty { pieces.append(.text(text)) }
                text = ""
                pieces.append(.placeholder(placeholder))
                rest = rest[rest.index(after: close)...]
            } else {
                text.append("{")
                rest = rest[afterOpen...]
            }
        }
        text += rest
        if !text.isEmpty { pieces.append(.text(text)) }
        self.pieces = pieces
    }

    /// `body` read as a placeholder's name and qualifier, or nil when it is not one.
    private static func placeholder(_ body: Substring) -> Placeholder? {
        let parts = body.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        func isName(_ s: Substring, first: (Character) -> Bool) -> Bool {
            guard let head = s.first, first(head) else { return false }
            return s.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }
        }
        guard isName(parts[0], first: { $0.isLowercase }) else { return nil }
        if parts.count == 2 {
            let qualifier = parts[1]
            guard !qualifier.isEmpty, qualifier.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) })
            else { return nil }
            return Placeholder(name: String(parts[0]), qualifier: String(qualifier))
        }
        return Placeholder(name: String(parts[0]))
    }

    /// The placeholders in order of appearance, repeats included.
    public var placeholders: [Placeholder] {
        pieces.compactMap { if case .placeholder(let p) = $0 { p } else { nil } }
    }

    /// True when the command reads a prerequisite's files (`{input}`, `{inputs}`).
    public var readsInput: Bool { placeholders.contains(where: \.readsInput) }

    /// The command with each placeholder replaced by `value(placeholder)`; a placeholder for
    /// which it gives nil stays as written.
    public func expand(_ value: (Placeholder) -> String?) -> String {
        pieces.map { piece in
            switch piece {
            case .text(let text): text
            case .placeholder(let p): value(p) ?? p.description
            }
        }.joined()
    }
}
