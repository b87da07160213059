import CouchDB

/// A write the fencing rule refused: the document carries a higher epoch than the writer's, so
/// a newer lease holder has written it and this writer's holding is over.
///
/// The cycle throws it the moment a write comes back refused; the worker logs it with the
/// document id, counts it in its site document (what `gasp status` shows), and ends the holding.
public struct FencedWriteRefused: Error, Sendable, Hashable, CustomStringConvertible {
    /// The document whose write was refused.
    public var documentID: String
    /// The epoch the refused write carried (nil when it kept the document's own).
    public var epoch: Int64?
    /// CouchDB's reason, as the fencing rule words it.
    public var reason: String

    /// A refusal of the write of `documentID` at `epoch`.
    public init(documentID: String, epoch: Int64?, reason: String) {
        self.documentID = documentID
        self.epoch = epoch
        self.reason = reason
    }

    public var description: String {
        "the fencing rule refused the write of \(documentID)" + (epoch.map { " at epoch \($0)" } ?? "") + ": \(reason)"
    }

    /// Whether a `_bulk_docs` rejection is the fencing rule's (a 403 naming the epoch).
    public static func isFencing(error: String, reason: String) -> Bool {
        error == "forbidden" && reason.contains("epoch")
    }

    /// Whether a failed request is the fencing rule's refusal.
    public static func isFencing(_ error: CouchError) -> Bool {
        error.code == .forbidden && (error.reason ?? "").contains("epoch")
    }
}
