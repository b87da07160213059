import Foundation
import JSON

/// Plans the passes of a production request, without I/O: one job per (module, run) with a
/// new pass carrying the production parameters in `request`; a pass the same request id
/// already made is found and not made again.
public struct ProductionPlanner: Sendable {
    public var catalogue: ModuleCatalogue
    public var request: ProductionRequest
    public var requestID: String
    public var now: Date
    public var epoch: Int64?

    /// Makes a planner.
    public init(catalogue: ModuleCatalogue, request: ProductionRequest, requestID: String, now: Date, epoch: Int64? = nil) {
        self.catalogue = catalogue
        self.request = request
        self.requestID = requestID
        self.now = now
        self.epoch = epoch
    }

    /// The ids of every job the request touches.
    public var jobIDs: [String] {
        request.items.flatMap { item in item.jobs.map { JobDocument.id(module: item.module, run: $0.run) } }
    }

    /// The plan, given the existing job documents by id.
    public func plan(jobs: [String: JobDocument]) -> PassPlan {
        var plan = PassPlan()
        for item in request.items {
            guard let module = catalogue.module(item.module) else { continue }
            var mergedTemplate = module.production?.template ?? [:]
            for (key, value) in request.template { mergedTemplate[key] = value }
            for (key, value) in item.template { mergedTemplate[key] = value }
            for (run, parameters) in item.jobs {
                let id = JobDocument.id(module: item.module, run: run)
                var job = jobs[id] ?? JobDocument(module: item.module, run: run, runType: nil)
                if job.pass(requestID: requestID) != nil {
                    plan.skipped.append(.init(run: run, module: item.module, reason: .alreadyCreated))
                    continue
                }
                var parameters = parameters
                if let label = request.label { parameters["label"] = .string(label) }
                parameters["template"] = .object(mergedTemplate)
                let number = job.nextPassNumber
                job.passes.append(Pass(
                    pass: number, version: request.version, priority: item.priority ?? request.priority ?? module.priority,
                    created: now, labels: request.label.map { [$0] } ?? [], maxAttempts: module.retry.maxAttempts,
                    subjobs: module.subjobs(subfiles: 1), request: .object(parameters), requestID: requestID,
                    epoch: epoch, reason: "created by production request \(requestID)"))
                if let epoch { job.epoch = epoch }
                plan.jobs.append(job)
                plan.created.append(.init(module: item.module, run: run, pass: number))
            }
        }
        return plan
    }
}
