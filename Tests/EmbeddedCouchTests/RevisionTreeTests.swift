import Testing
@testable import EmbeddedCouch

@Suite("Revision trees")
struct RevisionTreeTests {
    private func rev(_ text: String) -> RevisionID { RevisionID(text)! }

    @Test func parsesAndOrdersRevisions() {
        #expect(RevisionID("3-abc") == RevisionID(generation: 3, hash: "abc"))
        #expect(RevisionID("garbage") == nil)
        #expect(RevisionID("1-") == nil)
        #expect(rev("2-a") > rev("1-z"))
        #expect(rev("1-b") > rev("1-a"))
    }

    @Test func winnerPrefersLiveThenGenerationThenHash() {
        var tree = RevisionTree()
        let root = tree.add(rev("1-a"), parent: nil, deleted: false, available: true)
        tree.add(rev("2-b"), parent: root, deleted: false, available: true)
        tree.add(rev("2-c"), parent: root, deleted: false, available: true)
        #expect(tree.winner?.rev == rev("2-c"))
        tree.add(rev("3-d"), parent: tree.index(of: rev("2-c")), deleted: true, available: true)
        // A deleted leaf loses to a live one even with a higher generation.
        #expect(tree.winner?.rev == rev("2-b"))
        #expect(Set(tree.sortedLeaves.map(\.rev)) == [rev("2-b"), rev("3-d")])
        #expect(tree.isLeaf(rev("2-b")))
        #expect(!tree.isLeaf(rev("1-a")))
    }

    @Test func mergeAddsMissingAncestorsAsStubs() {
        var tree = RevisionTree()
        tree.add(rev("1-a"), parent: nil, deleted: false, available: true)
        let merged = tree.merge(path: [rev("3-c"), rev("2-b"), rev("1-a")], deleted: false)
        #expect(merged.inserted)
        #expect(tree.node(rev("2-b"))?.available == false)
        #expect(tree.path(from: rev("3-c")).map(\.rev) == [rev("3-c"), rev("2-b"), rev("1-a")])
        #expect(tree.winner?.rev == rev("3-c"))
        #expect(tree.merge(path: [rev("3-c")], deleted: false).inserted == false)
    }

    @Test func encodingRoundTrips() {
        var tree = RevisionTree()
        let root = tree.add(rev("1-a"), parent: nil, deleted: false, available: true)
        tree.add(rev("2-b"), parent: root, deleted: true, available: true)
        tree.add(rev("2-x"), parent: root, deleted: false, available: false)
        #expect(RevisionTree(encoded: tree.encoded) == tree)
    }

    @Test func purgeRemovesLeafAndItsOwnAncestors() {
        var tree = RevisionTree()
        let root = tree.add(rev("1-a"), parent: nil, deleted: false, available: true)
        tree.add(rev("2-b"), parent: root, deleted: false, available: true)
        tree.add(rev("2-c"), parent: root, deleted: false, available: true)
        #expect(tree.purge([rev("2-c")]) == [rev("2-c")])
        #expect(tree.nodes.map(\.rev) == [rev("1-a"), rev("2-b")])
        #expect(tree.purge([rev("2-b")]) == [rev("2-b")])
        #expect(tree.nodes.isEmpty)
    }

    @Test func identicalContentGivesIdenticalRevisions() {
        let body = Array(#"{"a":1}"#.utf8)
        let a = RevisionHasher.hash(parent: nil, deleted: false, body: body, attachments: [])
        let b = RevisionHasher.hash(parent: nil, deleted: false, body: body, attachments: [])
        let deleted = RevisionHasher.hash(parent: nil, deleted: true, body: body, attachments: [])
        let child = RevisionHasher.hash(parent: rev("1-" + a), deleted: false, body: body, attachments: [])
        #expect(a == b)
        #expect(a.count == 32)
        #expect(Set([a, deleted, child]).count == 3)
    }
}
