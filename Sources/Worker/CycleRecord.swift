import CouchDB
import JSON
import Lease

/// The document `cycle:<scope>`: which site ran the last cycles of a lease scope, with which
/// epoch, when, and what they did. Every holder rewrites it after each cycle, fenced by its
/// epoch, so it doubles as proof of who worked when (and a stale holder's write is refused).
///
/// ```json
/// {"_id": "cycle:processing", "type": "cycle", "scope": "processing", "epoch": 12, "count": 3051,
///  "last": {"site": "site-a", "epoch": 12, "started": "…", "finished": "…", "counts": {"submitted": 4}},
///  "recent": [{"site": "site-b", "epoch": 11, …}, …]}
/// ```
public struct CycleRecord: Sendable {
    /// How many past cycles `recent` keeps.
    public static let recentLimit = 50

    /// The database holding the record.
    public let database: CouchDatabase
    /// The lease scope.
    public let scope: String

    /// The record of `scope` in `database`.
    public init(database: CouchDatabase, scope: String) {
        self.database = database
        self.scope = scope
    }

    /// The document id.
    public var documentID: String { "cycle:" + scope }

    /// Appends one finished cycle, written with `term`'s epoch. A 409 (another writer between
    /// our read and write) is read again; a 403 means a newer holder wrote the record: the
    /// lease is lost, and the error says so.
    public func append(_ summary: CycleSummary, term: LeaseTerm, started: String, finished: String) async throws(CouchError) {
        var entry: JSONObject = [
            "site": .string(term.holder.site), "instance": .string(term.holder.instance), "epoch": .int(term.epoch),
            "started": .string(started), "finished": .string(finished),
        ]
        var counts = JSONObject()
        for key in summary.counts.keys.sorted() { counts[key] = .int(summary.counts[key] ?? 0) }
        entry["counts"] = .object(counts)
        for attempt in 1... {
            let current = try await database.getIfExists(documentID)
            var document = current ?? ["_id": .string(documentID), "type": "cycle", "scope": .string(scope)]
            var recent = document["recent"]?.arrayValue ?? []
            recent.append(.object(entry))
            if recent.count > Self.recentLimit { recent.removeFirst(recent.count - Self.recentLimit) }
            document["recent"] = .array(recent)
            document["last"] = .object(entry)
            document["count"] = .int((document["count"]?.intValue ?? 0) + 1)
            do {
                _ = try await database.put(id: documentID, term.fenced(document))
                return
            } catch where error.code == .conflict && attempt < 5 {
                continue
            }
        }
    }

    /// The record as stored, nil when no cycle has run yet.
    public func read() async throws(CouchError) -> JSONValue? {
        try await database.getIfExists(documentID)
    }
}
