/// A file-name pattern for an expected output, with placeholders for the pass it belongs to
/// and shell-style wildcards: `r{run:010}_s{subrun:03}_p{pass}_*.root`.
///
/// Placeholders are `{run}`, `{subrun}`, `{pass}` and `{module}`; a number may be zero-padded
/// to a width with `{run:010}`. `*` matches any run of characters and `?` any one character.
/// A pattern names a file in one directory, so it has no `/`.
public struct OutputPattern: Sendable, Hashable, CustomStringConvertible {
    /// The values a placeholder can stand for.
    public enum Placeholder: String, Sendable, Hashable, CaseIterable {
        case run, subrun, pass, module
    }

    enum Piece: Sendable, Hashable {
        case literal(String)
        case placeholder(Placeholder, width: Int?)
        case anyRun
        case anyOne
    }

    /// The pattern as written.
    public let text: String
    let pieces: [Piece]

    /// Parses `text`; throws naming the pattern for an unknown placeholder, an unclosed brace or a `/`.
    public init(_ text: String) throws(OutputError) {
        func fail(_ problem: String) -> OutputError { OutputError(.invalidPattern, path: text, problem) }
        guard !text.isEmpty else { throw fail("a file-name pattern cannot be empty") }
        guard !text.contains("/") else { throw fail("a file-name pattern names a file in the directory; it has no /") }
        var pieces: [Piece] = []
        var literal = ""
        var rest = Substring(text)
        func flush() {
            if !literal.isEmpty { pieces.append(.literal(literal)) }
            literal = ""
        }
        while let character = rest.first {
            rest = rest.dropFirst()
            switch character {
            case "*": flush(); pieces.append(.anyRun)
            case "?": flush(); pieces.append(.anyOne)
            case "}": throw fail("} without {")
            case "{":
                guard let close = rest.firstIndex(of: "}") else { throw fail("{ without }") }
                let body = rest[..<close]
                rest = rest[rest.index(after: close)...]
                let parts = body.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
                guard let placeholder = Placeholder(rawValue: String(parts[0])) else {
                    let known = Placeholder.allCases.map { "{\($0.rawValue)}" }.joined(separator: ", ")
                    throw fail("{\(body)} is not a placeholder; use \(known)")
                }
                var width: Int?
                if parts.count == 2 {
                    let spec = parts[1]
                    guard placeholder != .module, spec.count >= 2, spec.first == "0", let value = Int(spec.dropFirst()),
                          spec.dropFirst().allSatisfy({ $0.isASCII && $0.isNumber }), (1...40).contains(value)
                    else { throw fail("{\(body)}: a width is written 0N, as in {run:010}, and only for numbers") }
                    width = value
                }
                flush()
                pieces.append(.placeholder(placeholder, width: width))
            default: literal.append(character)
            }
        }
        flush()
        self.text = text
        self.pieces = pieces
    }

    /// Whether the pattern names a file per subrun.
    public var usesSubrun: Bool {
        pieces.contains { if case .placeholder(.subrun, _) = $0 { true } else { false } }
    }

    /// Whether the pattern has wildcards left after the placeholders are filled in.
    public var hasWildcards: Bool { pieces.contains { $0 == .anyRun || $0 == .anyOne } }

    /// The pattern with its placeholders filled in (wildcards stay), e.g. `r0000012345_s003_p2_*.root`.
    public func expanded(module: String, run: Int, pass: Int, subrun: Int?) -> String {
        fill(module: module, run: run, pass: pass, subrun: subrun).map { piece in
            switch piece {
            case .literal(let text): text
            case .anyRun: "*"
            case .anyOne: "?"
            case .placeholder: ""
            }
        }.joined()
    }

    /// Whether `name` matches the pattern filled in for the given pass.
    public func matches(_ name: String, module: String, run: Int, pass: Int, subrun: Int?) -> Bool {
        Self.glob(fill(module: module, run: run, pass: pass, subrun: subrun), Array(name))
    }

    public var description: String { text }

    private func fill(module: String, run: Int, pass: Int, subrun: Int?) -> [Piece] {
        pieces.map { piece in
            guard case .placeholder(let placeholder, let width) = piece else { return piece }
            let value: String
            switch placeholder {
            case .module: return .literal(module)
            case .run: value = String(run)
            case .pass: value = String(pass)
            case .subrun: value = subrun.map { String($0) } ?? ""
            }
            guard let width, value.count < width else { return .literal(value) }
            return .literal(value.hasPrefix("-")
                ? "-" + String(repeating: "0", count: width - value.count) + value.dropFirst()
                : String(repeating: "0", count: width - value.count) + value)
        }
    }

    /// Wildcard matching with backtracking to the last `*` (linear in practice).
    private static func glob(_ pieces: [Piece], _ name: [Character]) -> Bool {
        var tokens: [Character?] = []  // nil = `*`; positions in `anyOne` are `?`
        var anyOne: Set<Int> = []
        for piece in pieces {
            switch piece {
            case .literal(let text): tokens.append(contentsOf: text.map { $0 })
            case .anyRun: tokens.append(nil)
            case .anyOne: anyOne.insert(tokens.count); tokens.append("?")
            case .placeholder: break
            }
        }
        var p = 0
        var n = 0
        var star: (p: Int, n: Int)?
        while n < name.count {
            if p < tokens.count, let token = tokens[p], anyOne.contains(p) || token == name[n] {
                p += 1
                n += 1
            } else if p < tokens.count, tokens[p] == nil {
                star = (p, n)
                p += 1
            } else if let last = star {
                p = last.p + 1
                n = last.n + 1
                star = (last.p, last.n + 1)
            } else {
                return false
            }
        }
        while p < tokens.count, tokens[p] == nil { p += 1 }
        return p == tokens.count
    }
}
