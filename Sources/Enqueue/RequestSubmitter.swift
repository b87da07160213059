import CouchDB
import Foundation
import JSON
import Processing

/// Production requests (`gasp request submit FILE.json`): validated against the catalogue
/// first, all problems at once, then one pass per (module, job run), in bulk; repeated after a
/// crash it creates nothing twice (the passes carry the request id).
public struct RequestSubmitter: Sendable {
    public var creator: JobCreator

    /// Makes a submitter.
    public init(creator: JobCreator) { self.creator = creator }

    /// The version the request text names, or every problem of its shape when it names none
    /// (or is not JSON), so the catalogue can be found before the request is read in full.
    public static func version(of text: String, file: String) throws(EnqueueError) -> String {
        let json = try json(text, file: file)
        if let version = ProductionRequest.version(in: json), !version.isEmpty { return version }
        _ = try parse(text, file: file, catalogue: nil)
        throw EnqueueError(.invalidInput, "nothing was written", problems: [InputProblem(.missingKey, source: file, key: "rat_v", "required: the software version")])
    }

    static func json(_ text: String, file: String) throws(EnqueueError) -> JSONValue {
        do {
            return try JSONParser.parse(text)
        } catch {
            throw EnqueueError(.invalidInput, "nothing was written", problems: [
                InputProblem(.syntax, source: file, line: error.line, column: error.column, key: nil, "not valid JSON: \(error.message)"),
            ])
        }
    }

    /// Reads and validates the request text (JSON) against `catalogue`; `file` names it in
    /// problems, all of which are reported together.
    public static func parse(_ text: String, file: String, catalogue: ModuleCatalogue?) throws(EnqueueError) -> ProductionRequest {
        let json = try json(text, file: file)
        do {
            return try ProductionRequest(json: json, source: file, catalogue: catalogue)
        } catch {
            throw EnqueueError.invalid(error)
        }
    }

    /// Creates the request's passes (or, with `dryRun`, says which it would).
    public func submit(_ request: ProductionRequest, requestID: String? = nil, dryRun: Bool = false) async throws -> EnqueueOutcome {
        let id = request.resolvedRequestID(override: requestID)
        let planner = ProductionPlanner(catalogue: creator.catalogue, request: request, requestID: id, now: creator.now(), epoch: creator.epoch)
        var jobs: [String: JobDocument] = [:]
        for (key, document) in try await creator.access.fetch(planner.jobIDs) { jobs[key] = try JobCreator.jobDocument(document) }
        var outcome = EnqueueOutcome()
        outcome.dryRun = dryRun
        outcome.runsConsidered = Set(planner.jobIDs).count
        for attempt in 0...creator.maxConflictRetries {
            let plan = planner.plan(jobs: jobs)
            outcome.alreadyCreated = attempt == 0 ? plan.alreadyCreatedCount : outcome.alreadyCreated
            if dryRun {
                outcome.created = plan.created
                outcome.jobs = plan.jobs
                return outcome
            }
            let counter = WriteCounter(total: plan.jobs.count, progress: creator.progress)
            let results = try await creator.access.write(plan.jobs, serialize: \.serializedJSON) { counter.add($0) }
            var createdByJob: [String: [PassPlan.Created]] = [:]
            for created in plan.created { createdByJob[JobDocument.id(module: created.module, run: created.run), default: []].append(created) }
            var conflicted: [String] = []
            for (job, result) in zip(plan.jobs, results) {
                switch WriteVerdict(result, id: job.id) {
                case .saved(let rev):
                    var written = job
                    written.rev = rev
                    jobs[job.id] = written
                    outcome.jobs.append(written)
                    outcome.created += createdByJob[job.id] ?? []
                case .conflict: conflicted.append(job.id)
                case .fenced(let reason): throw EnqueueError(.fenced, "\(job.id): \(reason)")
                case .failed(let failure): outcome.failures.append(failure)
                }
            }
            if conflicted.isEmpty { return outcome }
            let fresh = try await creator.access.fetch(conflicted)
            for key in conflicted { jobs[key] = try fresh[key].map(JobCreator.jobDocument) }
            if attempt == creator.maxConflictRetries {
                outcome.failures += conflicted.map { DocumentFailure(id: $0, error: "conflict", reason: "kept changing") }
            }
        }
        return outcome
    }
}
