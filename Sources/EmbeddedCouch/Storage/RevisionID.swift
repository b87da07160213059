/// A document revision identifier, `N-<hash>`: the generation and an opaque hash (32 hex digits
/// for revisions this store makes; any text for revisions written with `new_edits=false`).
struct RevisionID: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The generation, counting from 1 (0 for `_local` documents).
    var generation: Int
    /// The hash part after the dash.
    var hash: String

    init(generation: Int, hash: String) {
        self.generation = generation
        self.hash = hash
    }

    /// Parses `N-hash`; nil when the text is not a revision (CouchDB: 400 "Invalid rev format").
    init?(_ text: String) {
        guard let dash = text.utf8.firstIndex(of: UInt8(ascii: "-")),
              let generation = Int(text[..<dash]), generation >= 0
        else { return nil }
        let hash = String(text[text.index(after: dash)...])
        guard !hash.isEmpty else { return nil }
        self.generation = generation
        self.hash = hash
    }

    var description: String { "\(generation)-\(hash)" }

    /// CouchDB's order for choosing a winner: higher generation, then the higher hash text.
    static func < (a: RevisionID, b: RevisionID) -> Bool {
        a.generation != b.generation ? a.generation < b.generation : a.hash < b.hash
    }
}
