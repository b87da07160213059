import CouchDB
import JSON
import Lease
import Processing

/// Reads and writes job documents for the cycle: in bulk, every write of the lease holder
/// fenced with its epoch, a site's own monitoring keeping the epoch each document carries. A
/// write refused by the fencing rule (403) means a newer holder exists: it throws
/// ``FencedWriteRefused`` so the cycle stops at once. A conflict (someone wrote the job in
/// between, e.g. an operator, `gasp enqueue` or the holder) leaves that job for the next cycle.
struct JobStore: Sendable {
    let database: CouchDatabase

    /// The job documents with these ids that exist and can be read.
    func jobs(_ ids: [String]) async throws -> [JobDocument] {
        guard !ids.isEmpty else { return [] }
        var unique: [String] = []
        var seen: Set<String> = []
        for id in ids where seen.insert(id).inserted { unique.append(id) }
        var jobs: [JobDocument] = []
        for chunk in stride(from: 0, to: unique.count, by: 1000) {
            let keys = Array(unique[chunk..<min(chunk + 1000, unique.count)])
            let rows = try await database.allDocs(AllDocsQuery(keys: keys, includeDocs: true)).rows
            for row in rows {
                guard let json = row.doc, !row.deleted, let job = try? JobDocument(json: json) else { continue }
                jobs.append(job)
            }
        }
        return jobs
    }

    /// The ids of jobs with a pass of `site` in `status`, from `passes/by_site_status`.
    func jobIDs(site: String, status: PassStatus) async throws -> [String] {
        let rows = try await database.view("passes", "by_site_status", ViewQuery(
            startKey: [.string(site), .string(status.rawValue)], endKey: [.string(site), .string(status.rawValue), [:]],
            reduce: nil)).rows
        return rows.compactMap(\.id)
    }

    /// The job documents of `runs`, by run number, from `passes/jobs_by_run`.
    func jobs(runs: [Int]) async throws -> [Int: [JobDocument]] {
        guard !runs.isEmpty else { return [:] }
        let rows = try await database.view("passes", "jobs_by_run", ViewQuery(keys: runs.map { .int($0) }, includeDocs: true)).rows
        var byRun: [Int: [JobDocument]] = [:]
        for row in rows {
            guard let json = row.doc, let job = try? JobDocument(json: json) else { continue }
            byRun[job.run, default: []].append(job)
        }
        return byRun
    }

    /// The run documents of `runs` that exist and can be read.
    func runDocuments(_ runs: [Int]) async throws -> [RunDocument] {
        guard !runs.isEmpty else { return [] }
        let rows = try await database.allDocs(AllDocsQuery(keys: runs.map(RunDocument.id(run:)), includeDocs: true)).rows
        return rows.compactMap { row in row.deleted ? nil : row.doc.flatMap { try? RunDocument(json: $0) } }
    }

    /// Writes run documents with `epoch` stamped on each (nil: each keeps its own); returns the
    /// runs that met a conflict (written by someone else in between), to be read again.
    func write(runs: [RunDocument], epoch: Int64?) async throws -> [Int] {
        guard !runs.isEmpty else { return [] }
        var conflicts: [Int] = []
        let results = try await database.bulkDocs(runs.map { run in
            var body = run.json
            if let epoch { body["epoch"] = .int(epoch) }
            return body
        })
        for (run, result) in zip(runs, results) {
            switch result.outcome {
            case .saved:
                continue
            case .rejected(let error, let reason) where FencedWriteRefused.isFencing(error: error, reason: reason):
                throw FencedWriteRefused(documentID: run.id, epoch: epoch, reason: reason)
            case .rejected(let error, _) where error == "conflict":
                conflicts.append(run.run)
            case .rejected:
                continue
            }
        }
        return conflicts
    }

    /// Writes `jobs` fenced with `term`'s epoch (never lower than the epoch a job carries);
    /// returns the jobs written, with their new revisions.
    func write(_ jobs: [JobDocument], term: LeaseTerm, attachments: [String: [(name: String, data: [UInt8])]] = [:]) async throws -> [JobDocument] {
        try await write(jobs, epoch: term.epoch, attachments: attachments)
    }

    /// Writes `jobs` with `epoch` stamped on each (nil: each keeps the epoch it carries);
    /// returns the jobs written, with their new revisions.
    func write(_ jobs: [JobDocument], epoch: Int64?, attachments: [String: [(name: String, data: [UInt8])]] = [:]) async throws -> [JobDocument] {
        guard !jobs.isEmpty else { return [] }
        var written: [JobDocument] = []
        for chunk in stride(from: 0, to: jobs.count, by: 500) {
            let batch = Array(jobs[chunk..<min(chunk + 500, jobs.count)])
            let bodies: [JSONValue] = batch.map { job in
                var body = job.json
                if let epoch { body["epoch"] = .int(epoch) }
                for attachment in attachments[job.id] ?? [] {
                    InlineAttachment.attach(attachment.data, named: attachment.name, contentType: "text/plain", to: &body)
                }
                return body
            }
            let results = try await database.bulkDocs(bodies)
            for (job, result) in zip(batch, results) {
                switch result.outcome {
                case .saved(let rev):
                    var saved = job
                    saved.rev = rev
                    if let epoch { saved.epoch = epoch }
                    written.append(saved)
                case .rejected(let error, let reason) where FencedWriteRefused.isFencing(error: error, reason: reason):
                    throw FencedWriteRefused(documentID: job.id, epoch: epoch, reason: reason)
                case .rejected:
                    continue
                }
            }
        }
        return written
    }
}
