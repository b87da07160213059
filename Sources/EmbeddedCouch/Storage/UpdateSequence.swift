/// Update sequences as clients see them: opaque strings `"<n>-<hex>"`. The number is the
/// database's own counter; the suffix is fixed per database so the same sequence is always
/// written the same way.
struct UpdateSequence: Sendable {
    /// The per-database suffix.
    let suffix: String

    func string(_ n: Int) -> String { "\(n)-\(suffix)" }

    /// The number in a sequence a client sends back (`since`): a plain integer or any
    /// `N-...` string; nil when malformed.
    static func parse(_ text: String) -> Int? {
        if let n = Int(text), n >= 0 { return n }
        guard let dash = text.firstIndex(of: "-"), let n = Int(text[..<dash]), n >= 0 else { return nil }
        return n
    }
}
