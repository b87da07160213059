import Foundation
import Processing
import Testing

@Suite("Prerequisite resolution")
struct PrerequisiteTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    static func jobs(processing status: PassStatus, attempts: Int = 0) throws -> [JobDocument] {
        var processing = JobDocument(module: "Processing", run: 7, runType: "Physics")
        var p = Pass(pass: 1, version: "v", created: t0, maxAttempts: 2)
        let path: [PassStatus] = switch status {
        case .waiting: []
        case .submitted: [.submitted]
        case .running: [.submitted, .running]
        case .completed: [.submitted, .completed]
        case .failed: [.submitted, .failed]
        case .partFail: [.submitted, .partFail]
        case .unsatisfied: [.unsatisfied]
        case .canceled: [.canceled]
        case .deleted: [.deleted]
        }
        for step in path { try p.transition(to: step, at: t0) }
        p.attempts = attempts
        processing.passes = [p]
        var analysis = JobDocument(module: "Analysis", run: 7, runType: "Physics")
        analysis.passes = [Pass(pass: 1, version: "v", created: t0, prerequisites: [PrerequisiteLink(module: "Processing", pass: 1)])]
        return [processing, analysis]
    }

    static func state(_ jobs: [JobDocument]) -> PrerequisiteState {
        PrerequisiteResolver.resolve(jobs[1].passes[0]) { link in jobs.first { $0.module == link.module }?.pass(link.pass) }
    }

    @Test("met once the prerequisite completed")
    func met() throws {
        #expect(Self.state(try Self.jobs(processing: .completed)) == .met)
    }

    @Test("pending while the prerequisite is waiting or active", arguments: [PassStatus.waiting, .submitted, .running])
    func pending(status: PassStatus) throws {
        #expect(Self.state(try Self.jobs(processing: status, attempts: 1)) == .pending([PrerequisiteLink(module: "Processing", pass: 1)]))
    }

    @Test("unsatisfied when the prerequisite failed for good, attempts left or not",
          arguments: [PassStatus.unsatisfied, .canceled, .deleted, .failed, .partFail], [1, 2])
    func unsatisfied(status: PassStatus, attempts: Int) throws {
        let state = Self.state(try Self.jobs(processing: status, attempts: attempts))
        guard case .unsatisfied(let reason) = state else {
            Issue.record("expected unsatisfied, got \(state)")
            return
        }
        #expect(reason.hasPrefix("prerequisite Processing pass 1 is \(status.rawValue)"))
    }

    @Test("unsatisfied when the prerequisite pass does not exist")
    func missing() {
        let pass = Pass(pass: 1, version: "v", created: Self.t0, prerequisites: [PrerequisiteLink(module: "Processing", pass: 3)])
        #expect(PrerequisiteResolver.resolve(pass) { _ in nil } == .unsatisfied(reason: "prerequisite Processing pass 3 does not exist"))
    }

    @Test("markUnsatisfied moves waiting dependants of a dead prerequisite, with a history entry")
    func mark() throws {
        var jobs = try Self.jobs(processing: .canceled)
        let changed = PrerequisiteResolver.markUnsatisfied(&jobs, at: Self.t0, site: "site-a", epoch: 3)
        #expect(changed.count == 1)
        #expect(jobs[1].passes[0].status == .unsatisfied)
        #expect(jobs[1].passes[0].history.last?.reason == "prerequisite Processing pass 1 is canceled")
        #expect(jobs[1].passes[0].history.last?.epoch == 3)
        var fine = try Self.jobs(processing: .running)
        #expect(PrerequisiteResolver.markUnsatisfied(&fine, at: Self.t0).isEmpty)
    }

    @Test("markUnsatisfied follows a chain of dependants in one call, naming the failure")
    func chain() throws {
        var jobs = try Self.jobs(processing: .failed, attempts: 1)
        jobs[0].passes[0].lastError = "exit code 139"
        var summary = JobDocument(module: "Summary", run: 7, runType: "Physics")
        summary.passes = [Pass(pass: 1, version: "v", created: Self.t0, prerequisites: [PrerequisiteLink(module: "Analysis", pass: 1)])]
        jobs.append(summary)
        let changed = PrerequisiteResolver.markUnsatisfied(&jobs, at: Self.t0)
        #expect(changed.count == 2)
        #expect(jobs[1].passes[0].history.last?.reason == "prerequisite Processing pass 1 is failed: exit code 139")
        #expect(jobs[2].passes[0].status == .unsatisfied)
        #expect(jobs[2].passes[0].history.last?.reason == "prerequisite Analysis pass 1 is unsatisfied")
    }
}
