import CouchDB
import Foundation
import JSON
import Processing

/// Keeps a run's `processing_status` following its jobs: `done` once every job's last pass
/// completed; `failed`, with the reason and the failure count raised, once one failed for good
/// (see ``RunStatusRule``). Only runs in automatic processing (a `processing_status` that is
/// not null) are touched.
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
                if run.processingStatus != nil { runs.append(run) }
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
        var changed: [RunDocument] = []
        for run in runs {
            guard var updated = RunStatusRule.apply(RunStatusRule.outcome(jobs: jobs[run.run] ?? []), to: run) else { continue }
            if let epoch { updated.epoch = epoch }
            changed.append(updated)
        }
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

    /// Updates every `queued` run (up to `limit`); returns the runs changed.
    public func updateQueued(limit: Int? = nil) async throws -> [RunDocument] {
        let response = try await database.view("runs", "by_processing_status", ViewQuery(startKey: ["queued"], endKey: ["queued", [:]], limit: limit))
        return try await update(runs: response.rows.compactMap { $0.key[1]?.intValue })
    }
}
