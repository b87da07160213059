import CouchDB
import JSON
import Processing

/// Batched reads and writes of documents by id, with up to ``requestsInFlight`` requests at
/// once: the batches of one call are independent (distinct documents), so while the server
/// answers one the next is already encoded and sent.
struct DocumentAccess: Sendable {
    let database: CouchDatabase
    /// Documents per `_all_docs` or `_bulk_docs` request.
    var batchSize: Int = 1000
    /// Requests of one call running at once.
    var requestsInFlight: Int = 2

    /// The documents that exist among `ids`, by id (deleted and missing ones left out).
    func fetch(_ ids: [String]) async throws(CouchError) -> [String: JSONValue] {
        let unique = Array(Set(ids)).sorted()
        let database = database
        let pages = try await inBatches(count: unique.count) { range in
            let slice = Array(unique[range])
            return await attempt { () async throws(CouchError) -> [(String, JSONValue)] in
                let response = try await database.allDocs(AllDocsQuery(keys: slice, includeDocs: true))
                return response.rows.compactMap { row in
                    guard let doc = row.doc, !row.deleted, row.error == nil else { return nil }
                    return (row.key, doc)
                }
            }
        }
        var found: [String: JSONValue] = [:]
        found.reserveCapacity(pages.reduce(0) { $0 + $1.count })
        for page in pages {
            for (key, doc) in page { found[key] = doc }
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
        let database = database
        let batches = try await inBatches(count: documents.count) { range in
            let slice = Array(documents[range])
            let result = await attempt { () async throws(CouchError) in try await database.bulkDocs(slice) }
            if case .success = result { progress?(slice.count) }
            return result
        }
        return batches.flatMap { $0 }
    }

    /// Writes `items` in batches, each item written as JSON text by `serialize` as its batch
    /// is sent (every document with an `_id`); one result per item, in order. `progress` gets
    /// the size of each batch written.
    func write<Item: Sendable>(
        _ items: [Item], serialize: @escaping @Sendable (Item) -> [UInt8], progress: (@Sendable (Int) -> Void)? = nil
    ) async throws(CouchError) -> [BulkDocResult] {
        let database = database
        let batches = try await inBatches(count: items.count) { range in
            let documents = items[range].map(serialize)
            let result = await attempt { () async throws(CouchError) in
                try await database.bulkDocs(serialized: documents, allHaveIDs: true)
            }
            if case .success = result { progress?(documents.count) }
            return result
        }
        return batches.flatMap { $0 }
    }

    /// Runs `work` over consecutive ranges of `batchSize` of `0..<count`, at most
    /// ``requestsInFlight`` at once, and returns the outputs in range order. The first failure
    /// cancels the batches still running and is thrown.
    private func inBatches<Output: Sendable>(
        count: Int, _ work: @escaping @Sendable (Range<Int>) async -> Result<Output, CouchError>
    ) async throws(CouchError) -> [Output] {
        let size = max(1, batchSize)
        let ranges = stride(from: 0, to: count, by: size).map { $0..<min($0 + size, count) }
        if ranges.count <= 1 || requestsInFlight <= 1 {
            var outputs: [Output] = []
            outputs.reserveCapacity(ranges.count)
            for range in ranges { outputs.append(try await work(range).get()) }
            return outputs
        }
        let parallel = min(requestsInFlight, ranges.count)
        let collected: Result<[Output], CouchError> = await withTaskGroup(of: (Int, Result<Output, CouchError>).self) { group in
            var next = 0
            while next < parallel {
                let index = next
                group.addTask { (index, await work(ranges[index])) }
                next += 1
            }
            var outputs = [Output?](repeating: nil, count: ranges.count)
            while let (index, result) = await group.next() {
                switch result {
                case .success(let output):
                    outputs[index] = output
                case .failure(let error):
                    group.cancelAll()
                    return .failure(error)
                }
                if next < ranges.count {
                    let index = next
                    group.addTask { (index, await work(ranges[index])) }
                    next += 1
                }
            }
            return .success(outputs.map { $0! })
        }
        return try collected.get()
    }
}

/// `body`'s value or error as a `Result`, for task groups that carry errors as values.
private func attempt<T>(_ body: () async throws(CouchError) -> T) async -> Result<T, CouchError> {
    do {
        return .success(try await body())
    } catch {
        return .failure(error)
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
