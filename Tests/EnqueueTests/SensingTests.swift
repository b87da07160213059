import CouchDB
@testable import Enqueue
import Foundation
import JSON
import Processing
import Testing
import TestSupport

@Suite("Enqueue: run sensing loops and calibration locks against the store")
struct SensingTests {
    typealias F = EnqueueFixture

    @Test("sensing creates passes for complete runs, keeps its cursor before an incomplete run, and resumes")
    func cursor() async throws {
        try await F.withDatabase { db in
            try await F.register(db, [1, 2, 3, 4, 5], incomplete: [4])
            let sensor = RunSensor(creator: F.creator(db), spec: F.spec)
            let first = try await sensor.senseOnce(start: 2)
            #expect(Set(first.outcome.created.map(\.run)) == [2, 3, 5])
            #expect(first.lastRun == 3)
            #expect(try await db.get(sensor.cursorID)["last_run"] == 3)
            let idle = try await sensor.senseOnce(start: 2)
            #expect(idle.outcome.created.isEmpty, "run 5 is found again but has its passes")
            try await F.register(db, [4])
            let second = try await sensor.senseOnce(start: 2)
            #expect(second.outcome.created.map(\.run) == [4, 4])
            #expect(second.lastRun == 5)
            #expect(try await F.job(db, "Processing", 1) == nil, "runs before START are not sensed")
        }
    }

    @Test("-r loops until stopped, picking up runs registered while it runs")
    func loop() async throws {
        try await F.withDatabase { db in
            try await F.register(db, [10])
            let sensor = RunSensor(creator: F.creator(db), spec: F.spec)
            let done = Flag()
            let control = LoopControl(interval: .milliseconds(20), deadline: .now + .seconds(60), stop: { done.isSet })
            let task = Task { try await sensor.loop(start: 10, control: control) }
            let deadline = ContinuousClock.now + .seconds(30)
            while try await F.job(db, "Analysis", 10) == nil, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            try await F.register(db, [11, 12])
            while try await F.job(db, "Analysis", 12) == nil, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            _ = done.setOnce()
            let total = try await task.value
            #expect(Set(total.created.map(\.run)) == [10, 11, 12])
            #expect(total.created.count == 6)
        }
    }

    @Test("-b stops by itself once every run up to END is considered, and never passes END")
    func block() async throws {
        try await F.withDatabase { db in
            try await F.register(db, [1, 2, 3, 4])
            let sensor = RunSensor(creator: F.creator(db), spec: F.spec)
            let total = try await sensor.loop(start: 1, end: 3, control: LoopControl(interval: .milliseconds(5), maxIterations: 50))
            #expect(Set(total.created.map(\.run)) == [1, 2, 3])
            #expect(try await F.job(db, "Processing", 4) == nil)
        }
    }

    @Test("a loop stops after its iterations; the switch document turns sensing off")
    func iterationsAndSwitch() async throws {
        try await F.withDatabase { db in
            try await F.register(db, [1])
            try await AutomaticProcessing(database: db).set(enabled: false, reason: "maintenance")
            let sensor = RunSensor(creator: F.creator(db), spec: F.spec)
            let stepCount = Counter()
            let off = try await sensor.loop(start: 1, control: LoopControl(interval: .milliseconds(5), maxIterations: 3)) { step in
                #expect(step.switchedOff)
                stepCount.increment()
            }
            #expect(stepCount.value == 3)
            #expect(off.created.isEmpty)
            try await AutomaticProcessing(database: db).set(enabled: true, reason: nil)
            #expect(try await sensor.senseOnce(start: 1).outcome.created.count == 2)
        }
    }

    @Test("a calibration run sets a lock holding back later runs until released with --valid-to")
    func calibrationLock() async throws {
        try await F.withDatabase { db in
            try await F.register(db, [10, 11, 12, 13], types: [11: "PCA"])
            let sensor = RunSensor(creator: F.creator(db), spec: F.spec)
            let first = try await sensor.senseOnce(start: 10)
            #expect(Set(first.outcome.created.map(\.run)) == [10, 11])
            #expect(first.outcome.locksSet.map(\.id) == ["calibration_lock:PCA"])
            #expect(first.outcome.firstHeldRun == 12)
            #expect(first.lastRun == 11)
            #expect(try await sensor.senseOnce(start: 10).outcome.created.isEmpty)

            // Reprocessing later runs is held back too, unless told to ignore locks.
            let held = try await F.creator(db).enqueue(F.spec, selection: .runs([13]))
            #expect(held.created.isEmpty && held.firstHeldRun == 13)
            var ignoring = F.spec
            ignoring.ignoreCalibrationLock = true
            ignoring.requestID = "test-nocal"
            #expect(try await F.creator(db).enqueue(ignoring, selection: .runs([13])).created.count == 2)

            await #expect(throws: EnqueueError.self) { try await CalibrationLocks(database: db).release(kind: "PCA", validTo: 5) }
            await #expect(throws: EnqueueError.self) { try await CalibrationLocks(database: db).release(kind: "LASER", validTo: 20) }
            let released = try await CalibrationLocks(database: db).release(kind: "PCA", validTo: 20)
            #expect(!released.locked && released.validTo == 20)
            let after = try await sensor.senseOnce(start: 10)
            #expect(Set(after.outcome.created.map(\.run)) == [12, 13])
            #expect(after.lastRun == 13)
        }
    }
}

/// A counter shared with a `@Sendable` closure.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() {
        lock.lock()
        count += 1
        lock.unlock()
    }
    var value: Int {
        lock.lock()
        defer { lock.unlock() }
        return count
    }
}
