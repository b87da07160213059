import Backends
import Foundation
import JSON
import Lease
import Processing

extension ProcessingCycle {
    /// Monitors this site's submitted and running passes in one batch-system query, writes
    /// their status changes in bulk, lets the dependants and runs of passes that reached an end
    /// state follow (``followEndStates(ofRuns:authority:context:counts:)``), and returns how many
    /// passes stay active (for capacity).
    func monitor(authority: CycleAuthority, context: CycleContext, counts: inout Counts) async throws -> Int {
        let ids = try await store.jobIDs(site: context.site, status: .submitted) + store.jobIDs(site: context.site, status: .running)
        var jobs = try await store.jobs(ids)
        // Subjobs claimed but whose batch id was never recorded (the holder died in between):
        // find them by name, so they are never submitted twice.
        let recovered = authority.siteMayAct ? try await recoverUnrecorded(&jobs, authority: authority, counts: &counts) : Submission()
        let batchIDs = jobs.flatMap { job in
            job.passes.filter { $0.site == context.site && $0.status.isActive }.flatMap(\.subjobs).compactMap(\.backendID)
        }
        let states = batchIDs.isEmpty ? [:] : try await backend.status(of: batchIDs.map { BackendJobID($0) })

        var changed: [JobDocument] = []
        var attachments: [String: [(name: String, data: [UInt8])]] = [:]
        var dataDocuments: [DataDocument] = []
        var active = 0
        var ended = recovered.ended  // jobs with a pass that reached an end state
        for var job in jobs {
            var jobChanged = recovered.changed.contains(job.id)
            for index in job.passes.indices where job.passes[index].site == context.site && job.passes[index].status.isActive {
                var pass = job.passes[index]
                let outcome = try await follow(&pass, job: job, states: states, authority: authority, site: context.site, counts: &counts)
                if outcome.changed {
                    job.passes[index] = pass
                    jobChanged = true
                }
                attachments[job.id, default: []] += outcome.logs
                dataDocuments += outcome.data
                if pass.status.isActive { active += 1 }
                if pass.status.isEnd { ended.insert(job.id) }
            }
            if jobChanged { changed.append(job) }
        }
        // Outputs are catalogued before the passes that made them say completed.
        if !dataDocuments.isEmpty { try await writeData(dataDocuments, authority: authority) }
        let written = try await store.write(changed, epoch: authority.epoch, attachments: attachments)
        let runs = Set(written.filter { ended.contains($0.id) }.map(\.run))
        try await followEndStates(ofRuns: runs, authority: authority, context: context, counts: &counts)
        return active
    }

    /// What following one pass did.
    struct FollowOutcome {
        var changed = false
        var logs: [(name: String, data: [UInt8])] = []
        var data: [DataDocument] = []
    }

    /// Brings one active pass up to date with its batch jobs, and decides it once they ended.
    func follow(
        _ pass: inout Pass, job: JobDocument, states: [BackendJobID: BackendJobState], authority: CycleAuthority, site: String,
        counts: inout Counts
    ) async throws -> FollowOutcome {
        var outcome = FollowOutcome()
        let time = now()
        let stamp = Timestamp.string(time)
        var vanished: [String] = []
        for s in pass.subjobs.indices where pass.subjobs[s].status.isActive {
            guard let id = pass.subjobs[s].backendID else { continue }
            let state = states[BackendJobID(id)] ?? .notKnown
            switch state.kind {
            case .running:
                if pass.subjobs[s].status != .running {
                    pass.subjobs[s].status = .running
                    pass.subjobs[s].started = pass.subjobs[s].started ?? stamp
                    outcome.changed = true
                }
            case .unknown:
                vanished.append(id)
            case .completed where state.isSuccess:
                pass.subjobs[s].status = .completed
                pass.subjobs[s].finished = stamp
                pass.subjobs[s].exitCode = Int(state.exitCode ?? 0)
                outcome.changed = true
                outcome.logs += await logTails(of: pass.subjobs[s], pass: pass, id: id)
            case .completed, .failed, .cancelled, .timedOut, .nodeFailed, .outOfMemory, .preempted:
                pass.subjobs[s].status = .failed
                pass.subjobs[s].finished = stamp
                pass.subjobs[s].exitCode = state.exitCode.map(Int.init)
                let logs = await logTails(of: pass.subjobs[s], pass: pass, id: id)
                var error = Self.describe(state)
                if let stderr = logs.first(where: { $0.name.hasSuffix(".err") }) {
                    // The last lines of stderr say why, and are what transient patterns match.
                    let tail = String(decoding: stderr.data.suffix(400), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                    if !tail.isEmpty { error += " — " + tail }
                }
                pass.subjobs[s].extra["error"] = .string(error)
                if Self.isInfrastructureFailure(state) { pass.subjobs[s].extra["infrastructure"] = true }
                outcome.changed = true
                outcome.logs += logs
            case .queued, .held, .suspended, .other:
                break
            }
        }
        if !vanished.isEmpty {
            // The batch system no longer knows these jobs: the pass goes back to waiting.
            for s in pass.subjobs.indices where pass.subjobs[s].backendID.map(vanished.contains) == true {
                pass.subjobs[s] = Subjob(subrun: pass.subjobs[s].subrun)
            }
            try pass.transition(to: .waiting, at: time, site: pass.site, epoch: authority.epoch,
                                reason: "the batch system no longer knows \(vanished.joined(separator: ", "))")
            pass.site = nil
            counts.add("reset")
            outcome.changed = true
            return outcome
        }
        if pass.status == .submitted, pass.subjobs.contains(where: { $0.status == .running || $0.status == .completed }) {
            try pass.transition(to: .running, at: time, site: pass.site, epoch: authority.epoch, reason: "running in the batch system")
            outcome.changed = true
        }
        guard !pass.subjobs.contains(where: { $0.status.isActive }) else { return outcome }
        outcome.changed = true
        if pass.subjobs.allSatisfy({ $0.status == .completed }) {
            try await complete(&pass, job: job, authority: authority, time: time, site: site, outcome: &outcome, counts: &counts)
        } else {
            try await failOrRetry(&pass, job: job, authority: authority, time: time, errors: [], counts: &counts)
        }
        return outcome
    }

    /// Verifies every expected output; catalogues them (each file with the site that made it and
    /// its path there) and completes the pass, or fails it naming what is missing.
    func complete(
        _ pass: inout Pass, job: JobDocument, authority: CycleAuthority, time: Date, site: String, outcome: inout FollowOutcome,
        counts: inout Counts
    ) async throws {
        guard let module = await catalogues.module(job.module, version: pass.version) else {
            try await failOrRetry(&pass, job: job, authority: authority, time: time, errors: ["no catalogue entry for \(job.module) in version \(pass.version)"], counts: &counts, retryable: false)
            return
        }
        let plan = BatchJobPlan(module: job.module, run: job.run, pass: pass.pass, attempt: pass.attempts, subrun: nil)
        let directory = plan.directory(root: settings.outputRoot)
        let check = await OutputCheck.verify(module: module, job: job, pass: pass, directory: directory, site: site)
        guard check.missing.isEmpty else {
            // A subjob that exited 0 without its outputs failed.
            for s in pass.subjobs.indices {
                let names = check.missing.filter { $0.subrun == pass.subjobs[s].subrun }.map(\.name)
                guard !names.isEmpty else { continue }
                pass.subjobs[s].status = .failed
                pass.subjobs[s].extra["error"] = .string("missing outputs: " + names.joined(separator: ", "))
            }
            try await failOrRetry(&pass, job: job, authority: authority, time: time, errors: [], counts: &counts)
            return
        }
        var found = check.found
        if let destination = pass.request?["output_directory"]?.stringValue {
            // A scheduled window's job wrote into its draft directory; its finished files move
            // into the output directory, never overwriting a different file there.
            for (dataType, files) in found {
                var published: [DataDocument.File] = []
                for var file in files {
                    let draft = (file.location ?? directory).split(separator: "/").dropLast().joined(separator: "/")
                    let publisher = DraftPublisher(draftDirectory: "/" + draft, outputDirectory: destination)
                    // Publishing is an act outside the database: only while this round may act.
                    try authority.checkBeforeActing()
                    do {
                        try FileManager.default.createDirectory(atPath: destination, withIntermediateDirectories: true)
                        file.location = try await publisher.publish(name: file.name).file.path
                    } catch {
                        for s in pass.subjobs.indices where pass.subjobs[s].subrun == file.subrun {
                            pass.subjobs[s].status = .failed
                            pass.subjobs[s].extra["error"] = .string("publishing \(file.name): \(error)")
                        }
                        try await failOrRetry(&pass, job: job, authority: authority, time: time, errors: [], counts: &counts)
                        return
                    }
                    published.append(file)
                }
                found[dataType] = published
            }
        }
        for (dataType, files) in found.sorted(by: { $0.key < $1.key }) {
            var data = DataDocument(module: job.module, run: job.run, pass: pass.pass, dataType: dataType, version: pass.version,
                                    labels: pass.labels, files: files)
            data.epoch = authority.epoch
            outcome.data.append(data)
        }
        try pass.transition(to: .completed, at: time, site: pass.site, epoch: authority.epoch,
                            reason: "\(found.values.map(\.count).reduce(0, +)) outputs verified and catalogued")
        counts.add("completed")
    }

    /// A pass whose batch jobs ended with failures: back to `waiting` with backoff when the
    /// failure is transient (or the batch system lost the jobs) and attempts remain (only the
    /// failed subjobs run again), else `failed`, or `partFail` when some subjobs succeeded
    /// (``RetryPolicy/decide(attempts:failure:now:using:)`` and ``Pass/settle(_:errorText:at:site:epoch:)``).
    /// An end state is followed in the same cycle by its dependants and run (see `monitor`).
    func failOrRetry(
        _ pass: inout Pass, job: JobDocument, authority: CycleAuthority, time: Date, errors extra: [String], counts: inout Counts,
        retryable: Bool = true
    ) async throws {
        let errors = extra + pass.subjobs.compactMap { $0.extra["error"]?.stringValue }
        let text = errors.joined(separator: "; ")
        var policy = RetryPolicy()
        if let module = await catalogues.module(job.module, version: pass.version) { policy = module.retry }
        policy.maxAttempts = pass.maxAttempts
        var generator = SystemRandomNumberGenerator()
        // A job the batch system lost (a node failure, preemption, a job that never started or
        // vanished without an exit code) is retried whatever the module's patterns say: its
        // failure says nothing about the job itself.
        let failed = pass.subjobs.filter { $0.status == .failed }
        let lost = !failed.isEmpty && failed.allSatisfy { $0.extra["infrastructure"]?.boolValue == true }
        let failure: AttemptFailure = !retryable ? .permanent(text) : lost ? .infrastructure(text) : .error(text)
        let decision = policy.decide(attempts: pass.attempts, failure: failure, now: time, using: &generator)
        try pass.settle(decision, errorText: text, at: time, site: pass.site, epoch: authority.epoch)
        switch pass.status {
        case .waiting: counts.add("retried")
        default: counts.add(pass.status.rawValue)
        }
    }

    /// The tails of a finished subjob's stdout and stderr, as attachments for its job document.
    func logTails(of subjob: Subjob, pass: Pass, id: String) async -> [(name: String, data: [UInt8])] {
        let base = "p\(pass.pass).a\(pass.attempts)" + (subjob.subrun.map { ".s\($0)" } ?? "")
        guard let outputs = try? await backend.outputs(of: BackendJobID(id), files: nil, tailBytes: settings.logTailBytes) else { return [] }
        var logs: [(name: String, data: [UInt8])] = []
        if !outputs.standardOutputTail.isEmpty { logs.append((base + ".out", Array(outputs.standardOutputTail.utf8))) }
        if !outputs.standardErrorTail.isEmpty { logs.append((base + ".err", Array(outputs.standardErrorTail.utf8))) }
        return logs
    }

    /// Writes the data documents of completed passes, keeping revisions of existing ones.
    func writeData(_ documents: [DataDocument], authority: CycleAuthority) async throws {
        let existing = try await database.allDocs(.init(keys: documents.map(\.id))).rows
        let revs = Dictionary(
            existing.filter { !$0.deleted }.compactMap { row in row.rev.map { (row.key, $0) } }, uniquingKeysWith: { a, _ in a })
        let bodies: [JSONValue] = documents.map { document in
            var body = document.json
            if let epoch = authority.epoch { body["epoch"] = .int(epoch) }
            if let rev = revs[document.id] { body["_rev"] = .string(rev) }
            return body
        }
        for result in try await database.bulkDocs(bodies) {
            if case .rejected(let error, let reason) = result.outcome, FencedWriteRefused.isFencing(error: error, reason: reason) {
                throw FencedWriteRefused(documentID: result.id ?? "data", epoch: authority.epoch, reason: reason)
            }
        }
    }

    /// Whether a batch job ended through no fault of its own: its node failed, it was
    /// preempted, or it ended without an exit code (lost, or never started).
    static func isInfrastructureFailure(_ state: BackendJobState) -> Bool {
        switch state.kind {
        case .nodeFailed, .preempted: true
        case .failed: state.exitCode == nil && state.signal == nil
        default: false
        }
    }

    static func describe(_ state: BackendJobState) -> String {
        var text = "batch job \(state.kind.rawValue)"
        if let code = state.exitCode { text += " with exit code \(code)" }
        if let signal = state.signal { text += " by signal \(signal)" }
        if let reason = state.reason, !reason.isEmpty { text += ": \(reason)" }
        return text
    }
}
