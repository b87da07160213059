import CouchDB
import Foundation
import JSON
import Processing

/// Keeps a run's `processing_status` following its jobs: `done` once every job's last pass
/// completed; `failed`, with the reason and the failure count raised, once one failed for good
/// (see ``RunStatusRule``, which also says which runs follow: not `pending` ones). A run
/// without a run document has nothing to write.
public struct RunStatusUpdater: Sendable {
    public var database: CouchDatabase
    /// The lease epoch to stamp (nil: keep the document's own).
    public var epoch: Int64?

    /// Makes an updater.
    public init(database: CouchDatabase, epoch: Int64? = nil) {
        self.database = database
        self.epoch = epoch
    }

    /// Updates the status of `runs` from their jobs; returns the runs changed.
    public func update(runs numbers: [Int]) async throws -> [RunDocument] {
        guard !numbers.isEmpty else { return [] }
        let access = DocumentAccess(database: database)
        let documents = try await access.fetch(numbers.map(RunDocument.id(run:)))
        var runs: [RunDocument] = []
        for number in numbers {
            if let document = documents[RunDocument.id(run: number)] {
                let run = try JobCreator.runDocument(document)
                if run.processingStatus != .pending { runs.append(run) }
            }
        }
        guard !runs.isEmpty else { return [] }
        let response = try await database.view("passes", "jobs_by_run", ViewQuery(keys: runs.map { .int($0.run) }, includeDocs: true))
        var jobs: [Int: [JobDocument]] = [:]
        for row in response.rows {
            guard let doc = row.doc else { continue }
            let job = try JobCreator.jobDocument(doc)
            jobs[job.run, default: []].append(job)
        }
        let changed = Self.changes(runs: runs, jobs: jobs, epoch: epoch)
        var written: [RunDocument] = []
        let results = try await access.write(changed.map(\.json))
        for (run, result) in zip(changed, results) {
            switch WriteVerdict(result, id: run.id) {
            case .saved(let rev):
                var saved = run
                saved.rev = rev
                written.append(saved)
            case .conflict, .failed:
                continue  // read again on the next call
            case .fenced(let reason):
                throw EnqueueError(.fenced, "\(run.id): \(reason)")
            }
        }
        return written
    }

    /// The runs of `runs` whose `processing_status` changes for their jobs (`jobs`, by run
    /// number), stamped with `epoch` when given: the pure part of ``update(runs:)``, which the
    /// gasp cycle also uses to write through its own fenced store.
    public static func changes(runs: [RunDocument], jobs: [Int: [JobDocument]], epoch: Int64?) -> [RunDocument] {
        runs.compactMap { run in
            guard var updated = RunStatusRule.apply(RunStatusRule.outcome(jobs: jobs[run.run] ?? []), to: run) else { return nil }
            if let epoch { updated.epoch = epoch }
            return updated
        }
    }

    /// Updates every `queued` run (up to `limit`); returns the runs changed.
    public func updateQueued(limit: Int? = nil) async throws -> [RunDocument] {
        let response = try await database.view("runs", "by_processing_status", ViewQuery(startKey: ["queued"], endKey: ["queued", [:]], limit: limit))
        return try await update(runs: response.rows.compactMap { $0.key[1]?.intValue })
    }
}
