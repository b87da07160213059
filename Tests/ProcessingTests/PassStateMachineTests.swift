import Foundation
import JSON
@testable import Processing
import Testing

@Suite("Pass state machine")
struct PassStateMachineTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    static func pass() -> Pass { Pass(pass: 1, version: "7.0.9", created: t0) }

    @Test("a new pass is waiting with one creation entry")
    func creation() {
        let p = Self.pass()
        #expect(p.status == .waiting)
        #expect(p.history.count == 1)
        #expect(p.history[0].from == nil && p.history[0].to == .waiting)
        #expect(p.history[0].time == "2027-01-15T08:00:00.000Z")
    }

    @Test("the raw values are the SNO+ spellings")
    func rawValues() {
        #expect(PassStatus.allCases.map(\.rawValue) == ["waiting", "submitted", "running", "completed", "failed", "partFail", "unsatisfied", "canceled", "deleted"])
    }

    @Test("the allowed transitions, exactly", arguments: PassStatus.allCases)
    func table(from: PassStatus) {
        let expected: [PassStatus: Set<PassStatus>] = [
            .waiting: [.submitted, .unsatisfied, .canceled, .deleted],
            .submitted: [.running, .completed, .failed, .partFail, .waiting, .canceled],
            .running: [.completed, .failed, .partFail, .waiting, .canceled],
            .completed: [.waiting, .deleted],
            .failed: [.waiting, .canceled, .deleted],
            .partFail: [.waiting, .canceled, .deleted],
            .unsatisfied: [.waiting, .canceled, .deleted],
            .canceled: [.waiting, .deleted],
            .deleted: [],
        ]
        #expect(from.allowedNext == expected[from])
        #expect(!from.canMove(to: from), "staying put is not a transition")
    }

    @Test("a full life: waiting → submitted → running → failed → waiting → submitted → completed")
    func life() throws {
        var p = Self.pass()
        let steps: [PassStatus] = [.submitted, .running, .failed, .waiting, .submitted, .completed]
        for (index, status) in steps.enumerated() {
            try p.transition(to: status, at: Self.t0.addingTimeInterval(Double(index + 1)), site: "site-a", epoch: 7, reason: "step \(index)")
        }
        #expect(p.status == .completed)
        #expect(p.history.count == 7)
        #expect(p.history.last == HistoryEntry(time: "2027-01-15T08:00:06.000Z", from: .submitted, to: .completed, site: "site-a", epoch: 7, reason: "step 5"))
        #expect(p.history.map(\.to) == [.waiting] + steps)
    }

    @Test("an invalid transition throws a typed error and changes nothing")
    func invalid() throws {
        var p = Self.pass()
        #expect(throws: TransitionError(from: .waiting, to: .completed, pass: 1)) {
            try p.transition(to: .completed, at: Self.t0)
        }
        #expect(p.status == .waiting)
        #expect(p.history.count == 1)
        try p.transition(to: .deleted, at: Self.t0)
        do {
            try p.transition(to: .waiting, at: Self.t0)
            Issue.record("deleted must be final")
        } catch {
            #expect(error.code == .invalidTransition)
            #expect(error.description == "pass 1: cannot move from deleted to waiting (deleted is final)")
        }
    }

    @Test("failed for good: every end state but completed, whatever the attempts; an operator retry undoes it")
    func failedForGood() throws {
        var p = Self.pass()
        p.maxAttempts = 2
        #expect(!p.failedForGood)
        try p.transition(to: .submitted, at: Self.t0)
        p.attempts = 1
        #expect(!p.failedForGood)
        try p.transition(to: .failed, at: Self.t0)
        #expect(p.failedForGood, "the retry policy gave up: attempts left do not matter")
        try p.transition(to: .waiting, at: Self.t0)
        #expect(!p.failedForGood)
        for status in PassStatus.allCases {
            var q = Pass(pass: 1, version: "v", created: Self.t0, maxAttempts: 3)
            let path: [PassStatus] = switch status {
            case .waiting: []
            case .submitted, .unsatisfied, .canceled, .deleted: [status]
            default: [.submitted, status]
            }
            for step in path { try q.transition(to: step, at: Self.t0) }
            #expect(q.failedForGood == (status.isEnd && status != .completed), "\(status)")
        }
    }
}
