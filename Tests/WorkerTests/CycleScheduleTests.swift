import Foundation
import JSON
import Lease
import Processing
import Synchronization
import Testing
import TestSupport
@testable import Worker

/// A wall clock the test sets.
final class TestWallClock: Sendable {
    let now: Mutex<Date>
    init(_ date: Date) { now = Mutex(date) }
    func set(_ date: Date) { now.withLock { $0 = date } }
    var read: @Sendable () -> Date { { [self] in now.withLock { $0 } } }
}

@Suite("The gasp cycle: scheduled windows and run sensing", .timeLimit(.minutes(2)))
struct CycleScheduleTests {
    static func date(_ text: String) -> Date { Date(timeIntervalSince1970: WallClock.secondsSince1970(text)!) }

    @Test("a due window is created once, also by a new holder after a failover; its output is moved from the draft to the output directory")
    func windowAcrossFailover() async throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("gasp-windows-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let hourly = try ScheduledWindow(
            name: "grab", cron: "0 * * * *", length: WindowLength(hours: 1), module: "Grabber", outputDirectory: output,
            draftDirectory: output)
        let schedule = CycleSettings.Schedule(window: hourly, version: CycleFixture.version)
        let clock = TestWallClock(Self.date("2026-12-02T01:30:00Z"))
        try await CycleFixture.with(schedules: [schedule], clock: clock.read) { f in
            let first = try await f.cycle.runCycle(f.term, context: f.context)
            #expect(first.counts["windows"] == 1)
            let window = try await f.database.get("window:grab:20261202T010000Z")
            #expect(window["start"] == "2026-12-02T00:00:00Z")
            #expect(window["epoch"] == 1)

            // site-b takes over (epoch 2) at the same moment: nothing is due twice.
            let other = f.cycle(settings: f.cycle.settings, clock: clock.read)
            let takeover = LeaseTerm(scope: "processing", holder: LeaseHolder(site: "site-b", instance: "b"), epoch: 2, mode: .hold, stillHeld: { true })
            let context = CycleContext(site: "site-b", liveSites: ["site-a", "site-b"], knownSites: ["site-a", "site-b"])
            let again = try await other.runCycle(takeover, context: context)
            #expect(again.counts["windows"] == nil)
            // An hour later, exactly the next window.
            clock.set(Self.date("2026-12-02T02:30:00Z"))
            let later = try await other.runCycle(takeover, context: context)
            #expect(later.counts["windows"] == 1)
            let windows = try await f.database.allDocs(.prefix("window:grab:")).rows.map(\.key)
            #expect(windows == ["window:grab:20261202T010000Z", "window:grab:20261202T020000Z"])
            let jobs = try await f.database.allDocs(.prefix("job:Grabber:")).rows.map(\.key)
            #expect(jobs == ["job:Grabber:202612020100", "job:Grabber:202612020200"])

            // The new holder runs both windows; each file ends up in the output directory.
            let deadline = ContinuousClock.now.advanced(by: .seconds(30))
            while try await f.statuses("Grabber", [202_612_020_100, 202_612_020_200]) != [.completed, .completed], ContinuousClock.now < deadline {
                _ = try await other.runCycle(takeover, context: context)
                try await Task.sleep(for: .milliseconds(50))
            }
            let grabbed = try await f.database.get(JobDocument.id(module: "Grabber", run: 202_612_020_100))
            #expect(try await f.statuses("Grabber", [202_612_020_100, 202_612_020_200]) == [.completed, .completed], "\(grabbed.serialized())")
            // Were the old holder to run once more, it would find nothing due and nothing to claim.
            #expect(try await f.cycle.runCycle(f.term, context: f.context).counts.isEmpty)
            let data = try DataDocument(json: try await f.database.get(DataDocument.id(module: "Grabber", run: 202_612_020_100, pass: 1, dataType: "window_data")))
            #expect(data.files.first?.location == output + "/Grab_r202612020100.dat")
            let content = try String(contentsOfFile: output + "/Grab_r202612020100.dat", encoding: .utf8)
            #expect(content == "2026-12-02T00:00:00.000Z 2026-12-02T01:00:00.000Z\n")
        }
    }

    @Test("run sensing under the lease creates the passes of newly complete runs, with the epoch, once")
    func sensing() async throws {
        let sense = CycleSettings.Sense(version: CycleFixture.version, inputKind: "L2", startRun: 100, pending: false)
        try await CycleFixture.with(sense: sense) { f in
            let runs: [JSONValue] = [100, 101].map { RunDocument(run: $0, runType: "Physics", complete: true, subfiles: 2).json }
            for result in try await f.database.bulkDocs(runs) { _ = try result.get() }
            let summary = try await f.cycle.runCycle(f.term, context: f.context)
            #expect(summary.counts["sensed"] == 4)
            let job = try await f.database.get(JobDocument.id(module: "Processing", run: 100))
            #expect(job["epoch"] == 1)
            let second = try await f.cycle.runCycle(f.term, context: f.context)
            #expect(second.counts["sensed"] == nil)
            let done = try await f.cycles(within: 60) { try await f.statuses("Analysis", [100, 101]) == [.completed, .completed] }
            #expect(done)
        }
    }
}
