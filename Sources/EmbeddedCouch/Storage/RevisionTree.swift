/// The revision tree of one document: every revision the database knows, with its parent.
///
/// Leaves are the revisions no other revision descends from. The winner is CouchDB's:
/// a non-deleted leaf beats a deleted one, then the higher generation, then the higher hash.
/// Revisions known only by id (ancestors named in `_revisions` of a replicated write) have no
/// stored body (`available == false`).
struct RevisionTree: Sendable, Equatable {
    /// One revision in the tree.
    struct Node: Sendable, Equatable {
        var rev: RevisionID
        /// Index of the parent node, nil for a root.
        var parent: Int?
        var deleted: Bool
        /// Whether the revision's body is stored.
        var available: Bool
    }

    private(set) var nodes: [Node] = []

    init() {}

    /// Index of a revision in ``nodes``.
    func index(of rev: RevisionID) -> Int? { nodes.firstIndex { $0.rev == rev } }

    /// Whether the tree holds `rev`.
    func contains(_ rev: RevisionID) -> Bool { index(of: rev) != nil }

    /// The node for `rev`.
    func node(_ rev: RevisionID) -> Node? { index(of: rev).map { nodes[$0] } }

    /// Adds a revision; returns its index (the existing index when already present).
    @discardableResult
    mutating func add(_ rev: RevisionID, parent: Int?, deleted: Bool, available: Bool) -> Int {
        if let existing = index(of: rev) {
            if available && !nodes[existing].available {
                nodes[existing].available = true
                nodes[existing].deleted = deleted
            }
            return existing
        }
        nodes.append(Node(rev: rev, parent: parent, deleted: deleted, available: available))
        return nodes.count - 1
    }

    /// Adds a revision path, newest first (as in `_revisions`): ancestors missing from the tree
    /// are added as unavailable stubs. Returns the index of the newest revision and whether it
    /// was new.
    mutating func merge(path: [RevisionID], deleted: Bool) -> (index: Int, inserted: Bool) {
        precondition(!path.isEmpty)
        if let existing = index(of: path[0]) { return (existing, !nodes[existing].available) }
        var parent: Int? = nil
        for rev in path.dropFirst().reversed() {
            if let i = index(of: rev) {
                parent = i
            } else {
                parent = add(rev, parent: parent, deleted: false, available: false)
            }
        }
        let i = add(path[0], parent: parent, deleted: deleted, available: true)
        return (i, true)
    }

    /// Replaces the node at `index` (same revision, changed flags).
    mutating func replace(_ index: Int, with node: Node) {
        precondition(nodes[index].rev == node.rev)
        nodes[index] = node
    }

    /// Indices of the leaves.
    var leafIndices: [Int] {
        var isParent = [Bool](repeating: false, count: nodes.count)
        for node in nodes { if let p = node.parent { isParent[p] = true } }
        return nodes.indices.filter { !isParent[$0] }
    }

    /// Whether `rev` is a leaf.
    func isLeaf(_ rev: RevisionID) -> Bool {
        guard let i = index(of: rev) else { return false }
        return !nodes.contains { $0.parent == i }
    }

    /// The leaves, winner first, then in CouchDB's order.
    var sortedLeaves: [Node] {
        leafIndices.map { nodes[$0] }.sorted { a, b in
            if a.deleted != b.deleted { return !a.deleted }
            return b.rev < a.rev
        }
    }

    /// The winning revision; nil for an empty tree.
    var winner: Node? {
        if nodes.count == 1 { return nodes[0] }  // a new document: no need to look for leaves
        return sortedLeaves.first
    }

    /// The path from `rev` to its root, newest first.
    func path(from rev: RevisionID) -> [Node] {
        guard var i = index(of: rev) else { return [] }
        var out = [nodes[i]]
        while let p = nodes[i].parent {
            out.append(nodes[p])
            i = p
        }
        return out
    }

    /// Removes the given leaves (and ancestors no other revision needs); used by `_purge`.
    mutating func purge(_ revs: Set<RevisionID>) -> [RevisionID] {
        var removed: [RevisionID] = []
        var keep = Set(nodes.indices)
        for leaf in leafIndices where revs.contains(nodes[leaf].rev) {
            removed.append(nodes[leaf].rev)
            var i: Int? = leaf
            while let current = i, keep.contains(current) {
                let hasOtherChild = nodes.indices.contains { keep.contains($0) && nodes[$0].parent == current && $0 != current }
                if hasOtherChild { break }
                keep.remove(current)
                i = nodes[current].parent
            }
        }
        let kept = nodes.indices.filter { keep.contains($0) }
        var remap: [Int: Int] = [:]
        for (newIndex, old) in kept.enumerated() { remap[old] = newIndex }
        nodes = kept.map { old in
            var n = nodes[old]
            n.parent = n.parent.flatMap { remap[$0] }
            return n
        }
        return removed
    }

    // MARK: Storage encoding: one line per node, "rev\tparent\tflags".

    /// The compact text stored with the document.
    var encoded: String {
        var out = ""
        out.reserveCapacity(nodes.count * 48)
        for node in nodes {
            out += node.rev.description
            out += "\t"
            out += node.parent.map(String.init) ?? "-"
            out += "\t"
            out += String((node.deleted ? 1 : 0) | (node.available ? 2 : 0))
            out += "\n"
        }
        return out
    }

    /// Reads the text written by ``encoded``.
    init(encoded: String) {
        for line in encoded.split(separator: "\n") {
            let parts = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard parts.count == 3, let rev = RevisionID(String(parts[0])), let flags = Int(parts[2]) else { continue }
            nodes.append(Node(rev: rev, parent: Int(parts[1]), deleted: flags & 1 != 0, available: flags & 2 != 0))
        }
    }
}
