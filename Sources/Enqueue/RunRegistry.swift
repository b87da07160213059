import CouchDB
import Foundation
import JSON
import Processing

/// Registers runs (`gasp runs add`, `gasp runs import`), as the data-flow registration step
/// did: a new run is created; a registered one is updated only where its registration
/// (run type, times, completeness, subfiles) differs, keeping its processing status and
/// epoch unless the new record sets a processing status itself.
public struct RunRegistry: Sendable {
    public var database: CouchDatabase
    /// The lease epoch to stamp (nil: keep each document's own).
    public var epoch: Int64?
    public var batchSize: Int

    /// Makes a registry.
    public init(database: CouchDatabase, epoch: Int64? = nil, batchSize: Int = 1000) {
        self.database = database
        self.epoch = epoch
        self.batchSize = batchSize
    }

    /// What a registration did.
    public struct Result: Sendable {
        public var created: [Int] = []
        public var updated: [Int] = []
        public var unchanged: [Int] = []
        public var failures: [DocumentFailure] = []

        public var summary: String {
            "registered \(created.count) new run\(created.count == 1 ? "" : "s"), updated \(updated.count), \(unchanged.count) unchanged"
                + (failures.isEmpty ? "" : "; \(failures.count) NOT written (run again)")
        }
    }

    /// Registers `runs` (validated already; see ``RunListParser``).
    public func register(_ runs: [RunDocument], dryRun: Bool = false) async throws -> Result {
        var result = Result()
        var pending = runs
        let access = DocumentAccess(database: database, batchSize: batchSize)
        for _ in 0..<5 where !pending.isEmpty {
            let existing = try await access.fetch(pending.map(\.id))
            var writes: [RunDocument] = []
            for run in pending {
                guard let document = existing[run.id] else {
                    var new = run
                    if let epoch { new.epoch = epoch }
                    writes.append(new)
                    continue
                }
                var current = try JobCreator.runDocument(document)
                if current.sameRegistration(as: run), run.processingStatus == nil || run.processingStatus == current.processingStatus {
                    result.unchanged.append(run.run)
                    continue
                }
                current.runType = run.runType
                current.start = run.start
                current.end = run.end
                current.complete = run.complete
                current.subfiles = run.subfiles
                if let status = run.processingStatus { current.processingStatus = status }
                if let epoch { current.epoch = epoch }
                writes.append(current)
            }
            if dryRun {
                for run in writes { if run.rev == nil { result.created.append(run.run) } else { result.updated.append(run.run) } }
                return result
            }
            var conflicted: [RunDocument] = []
            let results = try await access.write(writes.map(\.json))
            for (run, outcome) in zip(writes, results) {
                switch WriteVerdict(outcome, id: run.id) {
                case .saved: if run.rev == nil { result.created.append(run.run) } else { result.updated.append(run.run) }
                case .conflict: conflicted.append(run)
                case .fenced(let reason): throw EnqueueError(.fenced, "\(run.id): \(reason)")
                case .failed(let failure): result.failures.append(failure)
                }
            }
            let retry = Set(conflicted.map(\.run))
            pending = runs.filter { retry.contains($0.run) }
        }
        result.failures += pending.map { DocumentFailure(id: $0.id, error: "conflict", reason: "kept changing") }
        return result
    }
}
