import CouchDB
import JSON
import Processing

/// Batched reads and writes of documents by id.
struct DocumentAccess: Sendable {
    let database: CouchDatabase
    /// Documents per `_all_docs` or `_bulk_docs` request.
    var batchSize: Int = 1000

    /// The documents that exist among `ids`, by id (deleted and missing ones left out).
    func fetch(_ ids: [String]) async throws(CouchError) -> [String: JSONValue] {
        var found: [String: JSONValue] = [:]
        var start = 0
        let unique = Array(Set(ids)).sorted()
        while start < unique.count {
            let slice = Array(unique[start..<min(start + batchSize, unique.count)])
            let response = try await database.allDocs(AllDocsQuery(keys: slice, includeDocs: true))
            for row in response.rows {
                if let doc = row.doc, !row.deleted, row.error == nil { found[row.key] = doc }
            }
            start += slice.count
        }
        return found
    }

    /// Every document whose id is between `first` and `last` (inclusive), in id order.
    func range(from first: String, through last: String, limit: Int? = nil) async throws(CouchError) -> [JSONValue] {
        let response = try await database.allDocs(AllDocsQuery(startKey: first, endKey: last, includeDocs: true, limit: limit))
        return response.rows.compactMap { $0.deleted ? nil : $0.doc }
    }

    /// Writes `documents` in batches; one result per document, in order.
    func write(_ documents: [JSONValue], progress: (@Sendable (Int) -> Void)? = nil) async throws(CouchError) -> [BulkDocResult] {
        var results: [BulkDocResult] = []
        var start = 0
        while start < documents.count {
            let slice = Array(documents[start..<min(start + batchSize, documents.count)])
            results += try await database.bulkDocs(slice)
            start += slice.count
            progress?(slice.count)
        }
        return results
    }
}

/// How a `_bulk_docs` result is handled.
enum WriteVerdict {
    case saved(rev: String)
    case conflict
    case fenced(reason: String)
    case failed(DocumentFailure)

    init(_ result: BulkDocResult, id: String) {
        switch result.outcome {
        case .saved(let rev): self = .saved(rev: rev)
        case .rejected(let error, let reason):
            switch error {
            case "conflict": self = .conflict
            case "forbidden" where reason.contains("epoch"): self = .fenced(reason: reason)
            default: self = .failed(DocumentFailure(id: id, error: error, reason: reason))
            }
        }
    }
}
