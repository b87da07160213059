import Foundation
import Processing
import Testing

/// Random sequences of batch-system outcomes for a Processing pass and its Analysis dependant,
/// driven through the pure rules the cycle uses (claim, ``RetryPolicy/decide(attempts:failure:now:using:)``,
/// ``Pass/settle(_:errorText:at:site:epoch:)``, ``PrerequisiteResolver``, ``RunStatusRule``):
/// after every step no pass and no dependant is left without a next step.
@Suite("No pass is left without a next step")
struct EndStatePropertyTests {
    /// What the batch system says about one active attempt in one cycle.
    enum Outcome: CaseIterable {
        case stillRunning, success, transientFailure, permanentFailure, infrastructureLoss, missingOutputs, vanished, someSubjobsFail
    }

    /// The run: its two jobs, its run document, a clock.
    struct World {
        var jobs: [JobDocument]
        var run: RunDocument
        var now: Date
        var steps: [String] = []

        var processing: Pass { jobs[0].passes[0] }
        var analysis: Pass { jobs[1].passes[0] }
    }

    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    static func world(maxAttempts: Int, runStatus: ProcessingStatus?) -> World {
        var processing = JobDocument(module: "Processing", run: 42, runType: "Physics")
        processing.passes = [Pass(pass: 1, version: "v", created: t0, maxAttempts: maxAttempts,
                                  subjobs: [Subjob(subrun: 0), Subjob(subrun: 1)])]
        var analysis = JobDocument(module: "Analysis", run: 42, runType: "Physics")
        analysis.passes = [Pass(pass: 1, version: "v", created: t0, prerequisites: [PrerequisiteLink(module: "Processing", pass: 1)],
                                maxAttempts: maxAttempts, subjobs: [Subjob(subrun: nil)])]
        return World(jobs: [processing, analysis], run: RunDocument(run: 42, runType: "Physics", processingStatus: runStatus), now: t0)
    }

    /// One cycle of the model: monitor active passes (each gets an outcome from `pick`), then
    /// let dependants and the run follow the passes that reached an end state, then claim what
    /// is due and whose prerequisites are met.
    static func cycle(
        _ w: inout World, policy: RetryPolicy, generator: inout SeededGenerator, pick: (inout SeededGenerator) -> Outcome
    ) throws {
        var reachedEnd = false
        for j in w.jobs.indices where w.jobs[j].passes[0].status.isActive {
            let outcome = pick(&generator)
            w.steps.append("\(w.jobs[j].module): \(outcome)")
            var pass = w.jobs[j].passes[0]
            switch outcome {
            case .stillRunning:
                if pass.status == .submitted { try pass.transition(to: .running, at: w.now) }
            case .vanished:
                for s in pass.subjobs.indices where pass.subjobs[s].status != .completed { pass.subjobs[s] = Subjob(subrun: pass.subjobs[s].subrun) }
                try pass.transition(to: .waiting, at: w.now, reason: "the batch system no longer knows it")
                pass.site = nil
            case .success:
                for s in pass.subjobs.indices { pass.subjobs[s].status = .completed }
                try pass.transition(to: .completed, at: w.now, reason: "outputs verified")
            case .transientFailure, .permanentFailure, .infrastructureLoss, .missingOutputs, .someSubjobsFail:
                let failure: AttemptFailure
                switch outcome {
                case .transientFailure: failure = .error("batch job failed with exit code 3 — Connection reset by peer")
                case .infrastructureLoss: failure = .infrastructure("batch job nodeFailed")
                case .missingOutputs: failure = .error("missing outputs: Processing_r42.root")
                default: failure = .error("batch job failed with exit code 139 — segmentation violation")
                }
                for s in pass.subjobs.indices {
                    let fails = outcome != .someSubjobsFail || s == pass.subjobs.count - 1
                    pass.subjobs[s].status = fails ? .failed : .completed
                }
                let decision = policy.decide(attempts: pass.attempts, failure: failure, now: w.now, using: &generator)
                try pass.settle(decision, errorText: failure.text, at: w.now)
            }
            if pass.status.isEnd { reachedEnd = true }
            w.jobs[j].passes[0] = pass
        }
        if reachedEnd { follow(&w) }
        w.now = w.now.addingTimeInterval(Double(Int.random(in: 1...400, using: &generator)))
        var unsatisfiedAtClaim = false
        for j in w.jobs.indices where w.jobs[j].passes[0].status == .waiting {
            let pass = w.jobs[j].passes[0]
            guard QueueEntry(job: w.jobs[j], pass: pass).isDue(at: w.now) else { continue }
            let jobs = w.jobs
            switch PrerequisiteResolver.resolve(pass, lookup: { link in jobs.first { $0.module == link.module }?.pass(link.pass) }) {
            case .pending: continue
            case .unsatisfied(let reason):
                try w.jobs[j].passes[0].transition(to: .unsatisfied, at: w.now, reason: reason)
                unsatisfiedAtClaim = true
            case .met:
                w.jobs[j].passes[0].attempts += 1
                w.jobs[j].passes[0].notBefore = nil
                w.jobs[j].passes[0].site = "site-a"
                for s in w.jobs[j].passes[0].subjobs.indices where w.jobs[j].passes[0].subjobs[s].status != .completed {
                    w.jobs[j].passes[0].subjobs[s].status = .submitted
                }
                try w.jobs[j].passes[0].transition(to: .submitted, at: w.now, reason: "claimed")
            }
        }
        if unsatisfiedAtClaim { follow(&w) }
    }

    /// What the cycle does after passes reach an end state: dependants, then the run.
    static func follow(_ w: inout World) {
        PrerequisiteResolver.markUnsatisfied(&w.jobs, at: w.now, site: "site-a", epoch: 1)
        if let updated = RunStatusRule.apply(RunStatusRule.outcome(jobs: w.jobs), to: w.run) { w.run = updated }
    }

    /// Every pass has a next step or is in an end state; a dependant of a pass failed for good
    /// is `unsatisfied`; the run is `failed` then, and `done` once both completed.
    static func checkInvariants(_ w: World, seed: UInt64) {
        let context = "seed \(seed): " + w.steps.joined(separator: ", ")
        let jobs = w.jobs
        for job in jobs {
            let pass = job.passes[0]
            switch pass.status {
            case .waiting:
                // Claimed once due: a backoff time, if any, is a readable time; and nothing
                // already decides it can never run.
                #expect(pass.notBefore == nil || Timestamp.date(pass.notBefore!) != nil, "\(context)")
                let state = PrerequisiteResolver.resolve(pass) { link in jobs.first { $0.module == link.module }?.pass(link.pass) }
                if case .unsatisfied = state { Issue.record("\(job.module) waits on a prerequisite that failed for good; \(context)") }
            case .submitted, .running:
                // The monitor follows it: some batch job is still active.
                #expect(pass.subjobs.contains { $0.status.isActive }, "\(job.module) active without an active batch job; \(context)")
            case .completed, .failed, .partFail, .unsatisfied, .canceled, .deleted:
                #expect(pass.status.isEnd)
            }
            if pass.status == .failed || pass.status == .partFail {
                #expect(pass.lastError != nil, "\(context)")
                #expect(pass.failedForGood)
            }
        }
        if w.processing.failedForGood {
            #expect(w.analysis.status == .unsatisfied, "the dependant must follow; \(context)")
            #expect(w.run.processingStatus == .failed, "the run must follow; \(context)")
            #expect(w.run.failureReason?.hasPrefix("Processing pass 1 \(w.processing.status.rawValue)") == true, "\(context)")
        }
        if w.analysis.failedForGood { #expect(w.run.processingStatus == .failed, "\(context)") }
        if w.processing.status == .completed && w.analysis.status == .completed { #expect(w.run.processingStatus == .done, "\(context)") }
        if !w.processing.status.isEnd || !w.analysis.status.isEnd {
            #expect(w.run.processingStatus != .done && w.run.processingStatus != .failed || w.processing.failedForGood || w.analysis.failedForGood,
                    "the run has no outcome while its passes have none; \(context)")
        }
    }

    @Test("over 400 seeded random sequences of batch outcomes, every pass has a next step and failure reaches dependants and run")
    func randomSequences() throws {
        var sawUnsatisfied = 0, sawDone = 0, sawRetry = 0
        for seed in UInt64(1)...400 {
            var generator = SeededGenerator(state: seed)
            let policy = RetryPolicy(maxAttempts: Int.random(in: 1...3, using: &generator), initialDelay: 60, multiplier: 2,
                                     maxDelay: 600, jitter: 0.2, transientPatterns: ["Connection reset"])
            var w = Self.world(maxAttempts: policy.maxAttempts, runStatus: Bool.random(using: &generator) ? .queued : nil)
            for _ in 0..<Int.random(in: 1...12, using: &generator) {
                // Success weighs as much as every failure together, so both ends are common.
                try Self.cycle(&w, policy: policy, generator: &generator) { g in
                    Bool.random(using: &g) ? .success : Outcome.allCases.randomElement(using: &g)!
                }
                Self.checkInvariants(w, seed: seed)
            }
            // Then the batch system only ever finishes jobs: everything reaches an end state
            // within a bounded number of cycles (attempts are bounded), and the run an outcome.
            var cycles = 0
            while !(w.processing.status.isEnd && w.analysis.status.isEnd), cycles < 50 {
                try Self.cycle(&w, policy: policy, generator: &generator) { g in
                    Bool.random(using: &g) ? .success
                        : [Outcome.transientFailure, .permanentFailure, .infrastructureLoss, .missingOutputs, .someSubjobsFail].randomElement(using: &g)!
                }
                Self.checkInvariants(w, seed: seed)
                cycles += 1
            }
            #expect(w.processing.status.isEnd && w.analysis.status.isEnd, "seed \(seed): no end after \(cycles) cycles")
            #expect(w.run.processingStatus == .done || w.run.processingStatus == .failed, "seed \(seed): run \(String(describing: w.run.processingStatus))")
            if w.analysis.status == .unsatisfied { sawUnsatisfied += 1 }
            if w.run.processingStatus == .done { sawDone += 1 }
            if w.processing.history.contains(where: { ($0.reason ?? "").hasPrefix("retry after") }) { sawRetry += 1 }
        }
        // The sequences cover the interesting paths, not just one.
        #expect(sawUnsatisfied > 20 && sawDone > 20 && sawRetry > 20, "unsatisfied \(sawUnsatisfied), done \(sawDone), retried \(sawRetry)")
    }

    @Test("a non-transient failure with attempts left is an end state: the dependant is unsatisfied and the run failed at once")
    func nonTransientWithAttemptsLeft() throws {
        var generator = SeededGenerator(state: 7)
        let policy = RetryPolicy(maxAttempts: 3, initialDelay: 60, transientPatterns: ["Connection reset"])
        var w = Self.world(maxAttempts: 3, runStatus: nil)
        try Self.cycle(&w, policy: policy, generator: &generator) { _ in .success }  // claims Processing
        try Self.cycle(&w, policy: policy, generator: &generator) { _ in .permanentFailure }
        #expect(w.processing.status == .failed && w.processing.attempts == 1 && !w.processing.attemptsExhausted)
        #expect(w.analysis.status == .unsatisfied)
        #expect(w.analysis.history.last?.reason?.hasPrefix("prerequisite Processing pass 1 is failed: batch job failed") == true)
        #expect(w.run.processingStatus == .failed)
        #expect(w.run.failureReason?.hasPrefix("Processing pass 1 failed: ") == true)
        #expect(w.run.failureCount == 1)
    }
}
