import Backends
import CouchDB
import Foundation
import JSON
import Lease
import Processing

extension ProcessingCycle {
    /// Claims up to `free` waiting passes in the queue order (skipping those whose version the
    /// site cannot run, whose backoff has not passed, whose prerequisites are not complete, or
    /// that a calibration lock holds back), writes the claims, then submits their batch jobs and
    /// records the batch ids.
    func claimAndSubmit(free: Int, term: LeaseTerm, context: CycleContext, counts: inout Counts) async throws {
        let order = settings.queueOrder.view
        let limit = min(free, settings.claimBatch)
        let rows = try await database.view(order.design, order.name, ViewQuery(
            descending: order.descending ? true : nil, limit: max(limit * 4, 100), includeDocs: true)).rows
        var jobs: [String: JobDocument] = [:]
        var candidates: [(id: String, pass: Int)] = []
        for row in rows {
            guard let id = row.id, let json = row.doc, let pass = row.key.arrayValue?.last?.intValue else { continue }
            if jobs[id] == nil, let job = try? JobDocument(json: json) { jobs[id] = job }
            candidates.append((id, pass))
        }
        guard !candidates.isEmpty else { return }
        let time = now()
        let locks = try await calibrationLocks()
        let prerequisites = try await prerequisiteJobs(for: Array(jobs.values))

        var claimed: [String: JobDocument] = [:]
        var unsatisfied: [String: JobDocument] = [:]
        var claimsPerJob: [String: Int] = [:]
        var taken = 0
        for (id, number) in candidates where taken < limit {
            guard var job = claimed[id] ?? unsatisfied[id] ?? jobs[id], let index = job.passes.firstIndex(where: { $0.pass == number }),
                  job.passes[index].status == .waiting
            else { continue }
            let pass = job.passes[index]
            guard settings.supports(pass.version), QueueEntry(job: job, pass: pass).isDue(at: time) else { continue }
            if CalibrationRule.blockingLock(for: job.run, locks: locks) != nil { continue }
            switch PrerequisiteResolver.resolve(pass, lookup: { link in
                prerequisites[JobDocument.id(module: link.module, run: job.run)]?.pass(link.pass)
            }) {
            case .pending:
                continue
            case .unsatisfied(let reason):
                try job.passes[index].transition(to: .unsatisfied, at: time, site: context.site, epoch: term.epoch, reason: reason)
                unsatisfied[id] = job
                counts.add("unsatisfied")
                continue
            case .met:
                break
            }
            guard await catalogues.module(job.module, version: pass.version) != nil else { continue }
            job.passes[index].attempts += 1
            job.passes[index].site = context.site
            job.passes[index].notBefore = nil
            for s in job.passes[index].subjobs.indices where job.passes[index].subjobs[s].status != .completed {
                let plan = BatchJobPlan(module: job.module, run: job.run, pass: number, attempt: job.passes[index].attempts,
                                        subrun: job.passes[index].subjobs[s].subrun)
                job.passes[index].subjobs[s].status = .submitted
                job.passes[index].subjobs[s].backendName = plan.name
                job.passes[index].subjobs[s].backendID = nil
                job.passes[index].subjobs[s].extra["directory"] = .string(plan.directory(root: settings.outputRoot))
                job.passes[index].subjobs[s].extra["site"] = .string(context.site)
            }
            try job.passes[index].transition(to: .submitted, at: time, site: context.site, epoch: term.epoch,
                                             reason: "claimed by \(context.site), attempt \(job.passes[index].attempts)")
            claimed[id] = job
            claimsPerJob[id, default: 0] += 1
            taken += 1
        }
        for (id, job) in unsatisfied where claimed[id] == nil { claimed[id] = job }
        guard !claimed.isEmpty else { return }

        // The claims are written before anything is submitted: a pass whose claim did not land
        // (a conflict) is not submitted.
        let written = try await store.write(Array(claimed.values), term: term)
        counts.add("claimed", written.reduce(0) { $0 + (claimsPerJob[$1.id] ?? 0) })
        FailPoint.hit(.afterClaim)
        let authority = CycleAuthority(term: term, context: context)
        var recorded = written
        var submission = Submission()
        do {
            submission = try await submitUnrecorded(&recorded, authority: authority, lookUpFirst: false, counts: &counts)
        } catch {
            // Record the batch ids of what was submitted before the failure (unless the holding
            // is over: a newer holder's writes win); the rest is found by name or submitted by
            // the next cycle of this site.
            if term.isHeld { _ = try? await store.write(recorded, term: term) }
            throw error
        }
        FailPoint.hit(.afterSubmit)
        _ = try await store.write(recorded, term: term)
        // Passes found unsatisfied are an end state: their dependants and runs follow, after the
        // batch ids are recorded (this rewrites jobs of those runs).
        let ended = Set(written.filter { unsatisfied[$0.id] != nil || submission.ended.contains($0.id) }.map(\.run))
        try await followEndStates(ofRuns: ended, authority: authority, context: context, counts: &counts)
    }

    /// What submitting did to the jobs: those it changed (batch ids recorded, or a pass failed),
    /// and those with a pass that failed before anything was submitted.
    struct Submission {
        var changed: Set<String> = []
        var ended: Set<String> = []
    }

    /// Submits every claimed subjob of this site without a batch id. With `lookUpFirst`, each
    /// is first looked for by name (a previous holder may have submitted it and died before
    /// recording the id). A pass whose command reads its prerequisite's files (`{input}`,
    /// `{inputs}`) gets their locations from the prerequisite pass's `data:` documents; when
    /// those cannot be found it fails, naming the missing document, and nothing of it is
    /// submitted (a command is never run with a placeholder left in it).
    ///
    /// Every look-up and submission is preceded by ``CycleAuthority/checkBeforeActing()``: a
    /// holder paused (or cut off) past its renew deadline, or whose round was cancelled, submits
    /// nothing after it wakes.
    @discardableResult
    func submitUnrecorded(
        _ jobs: inout [JobDocument], authority: CycleAuthority, lookUpFirst: Bool, counts: inout Counts
    ) async throws -> Submission {
        let site = authority.site
        var submission = Submission()
        for j in jobs.indices {
            for p in jobs[j].passes.indices where jobs[j].passes[p].site == site && jobs[j].passes[p].status == .submitted {
                let pass = jobs[j].passes[p]
                guard let module = await catalogues.module(jobs[j].module, version: pass.version) else { continue }
                let unrecorded = pass.subjobs.indices.filter { pass.subjobs[$0].status == .submitted && pass.subjobs[$0].backendID == nil }
                guard !unrecorded.isEmpty else { continue }
                var inputs: [Int: [ModuleCommand.Placeholder: String]] = [:]
                if module.parsedCommand.readsInput {
                    switch try await inputValues(module: module, pass: pass, run: jobs[j].run, subjobs: unrecorded) {
                    case .success(let values):
                        inputs = values
                    case .failure(let error):
                        try failBeforeSubmission(&jobs[j].passes[p], error: error, subjobs: unrecorded, epoch: authority.epoch)
                        counts.add("failed")
                        submission.changed.insert(jobs[j].id)
                        submission.ended.insert(jobs[j].id)
                        continue
                    }
                }
                for s in unrecorded {
                    guard let name = pass.subjobs[s].backendName else { continue }
                    try authority.checkBeforeActing()
                    if lookUpFirst, let found = try await backend.find(named: name) {
                        jobs[j].passes[p].subjobs[s].backendID = found.rawValue
                        submission.changed.insert(jobs[j].id)
                        counts.add("found")
                        continue
                    }
                    let plan = BatchJobPlan(module: jobs[j].module, run: jobs[j].run, pass: pass.pass, attempt: pass.attempts,
                                            subrun: pass.subjobs[s].subrun)
                    let request = plan.request(module: module, pass: pass, root: settings.outputRoot, inputs: inputs[s] ?? [:])
                    try FileManager.default.createDirectory(atPath: request.workingDirectory, withIntermediateDirectories: true)
                    try authority.checkBeforeActing()
                    let id = try await backend.submit(request)
                    jobs[j].passes[p].subjobs[s].backendID = id.rawValue
                    jobs[j].passes[p].subjobs[s].submitted = Timestamp.string(now())
                    submission.changed.insert(jobs[j].id)
                    counts.add("submitted")
                }
            }
        }
        return submission
    }

    /// What `{input}`/`{inputs}` stand for in each of `subjobs` (indices into the pass's
    /// subjobs), read from the prerequisite pass's `data:` documents.
    func inputValues(
        module: ModuleDefinition, pass: Pass, run: Int, subjobs: [Int]
    ) async throws -> Result<[Int: [ModuleCommand.Placeholder: String]], InputError> {
        let ids: [String]
        switch CommandInputs.documentIDs(module: module, pass: pass, run: run) {
        case .success(let found): ids = found
        case .failure(let error): return .failure(error)
        }
        // A store that cannot be read throws: nothing is decided, the pass stays claimed and a
        // later cycle's monitor step finds it unrecorded and tries again.
        var documents: [String: DataDocument] = [:]
        for row in try await database.allDocs(AllDocsQuery(keys: ids, includeDocs: true)).rows where !row.deleted {
            if let json = row.doc, let document = try? DataDocument(json: json) { documents[document.id] = document }
        }
        var values: [Int: [ModuleCommand.Placeholder: String]] = [:]
        for s in subjobs {
            switch CommandInputs.values(module: module, pass: pass, run: run, subrun: pass.subjobs[s].subrun, documents: documents) {
            case .success(let found): values[s] = found
            case .failure(let error): return .failure(error)
            }
        }
        return .success(values)
    }

    /// A claimed pass whose command cannot be filled in: its unsubmitted subjobs fail with the
    /// reason and the pass fails without a retry (the missing data does not come back by waiting).
    func failBeforeSubmission(_ pass: inout Pass, error: InputError, subjobs: [Int], epoch: Int64?) throws {
        let text = "cannot fill in the command: \(error.message)"
        for s in subjobs {
            pass.subjobs[s].status = .failed
            pass.subjobs[s].extra["error"] = .string(text)
        }
        var generator = SystemRandomNumberGenerator()
        let decision = RetryPolicy().decide(attempts: pass.attempts, failure: .permanent(text), now: now(), using: &generator)
        try pass.settle(decision, errorText: text, at: now(), site: pass.site, epoch: epoch)
    }

    /// Active passes of this site with subjobs claimed but never recorded as submitted: looked
    /// up by name and submitted only if the batch system does not have them.
    func recoverUnrecorded(
        _ jobs: inout [JobDocument], authority: CycleAuthority, counts: inout Counts
    ) async throws -> Submission {
        let site = authority.site
        let pending = jobs.contains { job in
            job.passes.contains { $0.site == site && $0.status == .submitted && $0.subjobs.contains { $0.status == .submitted && $0.backendID == nil } }
        }
        guard pending else { return Submission() }
        return try await submitUnrecorded(&jobs, authority: authority, lookUpFirst: true, counts: &counts)
    }

    /// Every calibration lock in force.
    func calibrationLocks() async throws -> [CalibrationLock] {
        try await database.allDocs(.prefix("calibration_lock:", includeDocs: true)).rows.compactMap { row in
            row.doc.flatMap { try? CalibrationLock(json: $0) }
        }
    }

    /// The jobs the candidates' prerequisite links point at, by id.
    func prerequisiteJobs(for jobs: [JobDocument]) async throws -> [String: JobDocument] {
        let ids = jobs.flatMap { job in
            job.passes.filter { $0.status == .waiting }.flatMap(\.prerequisites).map { JobDocument.id(module: $0.module, run: job.run) }
        }
        return Dictionary(try await store.jobs(ids).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    }
}
