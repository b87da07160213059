import Foundation
import JSON
import Processing
import Testing

@Suite("Schedule: which windows are due")
struct ScheduleWindowTests {
    static func daily(length: WindowLength? = WindowLength(days: 1)) throws -> ScheduledWindow {
        try ScheduledWindow(
            name: "param-data", cron: "0 1 * * *", length: length, module: "ParamDataGrabber",
            outputDirectory: "/pnfs/ldrd/accelai/tape", draftDirectory: "/scratch/draft")
    }

    @Test("every fire time in (last created, now] is due, oldest first, each [fire - length, fire)")
    func dueAfterLastCreated() throws {
        let due = try Self.daily().dueWindows(at: utc("2026-12-04T01:00:00Z"), lastCreated: utc("2026-12-01T01:00:00Z"))
        #expect(due.windows.map(\.id) == [
            "window:param-data:20261202T010000Z", "window:param-data:20261203T010000Z", "window:param-data:20261204T010000Z",
        ])
        #expect(due.windows.map { utcText($0.start) } == ["2026-12-01T01:00:00Z", "2026-12-02T01:00:00Z", "2026-12-03T01:00:00Z"])
        #expect(due.windows.map { utcText($0.end) } == ["2026-12-02T01:00:00Z", "2026-12-03T01:00:00Z", "2026-12-04T01:00:00Z"])
        #expect(due.windows.allSatisfy { $0.module == "ParamDataGrabber" && $0.seconds == 86_400 })
        #expect(!due.more)
    }

    @Test("nothing is due before the next fire time, or when the clock reads earlier than the last window")
    func nothingDue() throws {
        let schedule = try Self.daily()
        #expect(schedule.dueWindows(at: utc("2026-12-02T00:59:59Z"), lastCreated: utc("2026-12-01T01:00:00Z")).windows.isEmpty)
        #expect(schedule.dueWindows(at: utc("2026-11-30T00:00:00Z"), lastCreated: utc("2026-12-01T01:00:00Z")).windows.isEmpty)
    }

    @Test("deciding twice, as a failed-over site does, yields the same ids")
    func deterministic() throws {
        let last = utc("2026-12-01T01:00:00Z")
        let first = try Self.daily().dueWindows(at: utc("2026-12-02T01:00:05Z"), lastCreated: last)
        let second = try Self.daily().dueWindows(at: utc("2026-12-02T01:30:00Z"), lastCreated: last)
        #expect(first == second)
        #expect(first.windows.map(\.id) == ["window:param-data:20261202T010000Z"])
    }

    @Test("catch-up after a long outage is capped, and the next call continues where it stopped", arguments: [1, 7, 24])
    func cappedCatchUp(limit: Int) throws {
        let schedule = try Self.daily()
        let now = utc("2027-01-01T12:00:00Z")
        var last = utc("2026-12-01T01:00:00Z")
        var ids: [String] = []
        var calls = 0
        while true {
            let due = schedule.dueWindows(at: now, lastCreated: last, limit: limit)
            calls += 1
            #expect(due.windows.count <= limit)
            ids += due.windows.map(\.id)
            if let newest = due.windows.last { last = newest.fire }
            if !due.more { break }
        }
        #expect(ids.count == 31)
        #expect(Set(ids).count == 31)
        #expect(ids.first == "window:param-data:20261202T010000Z")
        #expect(ids.last == "window:param-data:20270101T010000Z")
        #expect(calls == (31 + limit - 1) / limit)
    }

    @Test("a schedule that has created nothing yet starts with its most recent window only")
    func firstWindow() throws {
        let due = try Self.daily().dueWindows(at: utc("2026-12-02T09:30:00Z"), lastCreated: nil)
        #expect(due.windows.map(\.id) == ["window:param-data:20261202T010000Z"])
        #expect(!due.more)
    }

    @Test("without a length a window reaches back to the previous fire time")
    func defaultLength() throws {
        let schedule = try ScheduledWindow(
            name: "events", cron: "0 6,18 * * *", module: "EventDataGrabber", outputDirectory: "/out", draftDirectory: "/draft")
        let due = schedule.dueWindows(at: utc("2026-12-03T06:00:00Z"), lastCreated: utc("2026-12-02T06:00:00Z"))
        #expect(due.windows.map { "\(utcText($0.start)) \(utcText($0.end))" } == [
            "2026-12-02T06:00:00Z 2026-12-02T18:00:00Z", "2026-12-02T18:00:00Z 2026-12-03T06:00:00Z",
        ])
    }

    @Test("lengths add up as the grabbers' --days/--hours/--minutes/--seconds do", arguments: [
        (WindowLength(days: 1), 86_400, "1d"),
        (WindowLength(hours: 6, minutes: 30), 23_400, "6h 30m"),
        (WindowLength(days: 1, hours: 1, minutes: 1, seconds: 1), 90_061, "1d 1h 1m 1s"),
        (WindowLength(seconds: 1), 1, "1s"),
    ])
    func lengths(_ length: WindowLength, _ seconds: Int, _ text: String) throws {
        #expect(length.totalSeconds == seconds)
        #expect(length.description == text)
        let window = try Self.daily(length: length).window(firingAt: utc("2026-12-02T01:00:00Z"))
        #expect(window.seconds == seconds)
        #expect(window.end == utc("2026-12-02T01:00:00Z"))
    }

    static let unusable: [(String, String, WindowLength?, ScheduleError.Code)] = [
        ("", "0 1 * * *", WindowLength(days: 1), .invalidName),
        ("a b", "0 1 * * *", WindowLength(days: 1), .invalidName),
        ("a:b", "0 1 * * *", WindowLength(days: 1), .invalidName),
        ("daily", "0 1 * * *", WindowLength(), .invalidLength),
        ("daily", "0 1 * * *", WindowLength(days: 1, hours: -25), .invalidLength),
        ("daily", "0 25 * * *", WindowLength(days: 1), .invalidCron),
    ]

    @Test("unusable definitions are refused naming the schedule", arguments: unusable)
    func refused(_ name: String, _ cron: String, _ length: WindowLength?, _ code: ScheduleError.Code) {
        let error = #expect(throws: ScheduleError.self) {
            try ScheduledWindow(name: name, cron: cron, length: length, module: "m", outputDirectory: "/o", draftDirectory: "/d")
        }
        #expect(error?.code == code)
        #expect(error?.schedule == name)
        #expect(error?.description.hasPrefix("schedule \(name): ") == true)
    }

    @Test("a bad cron expression's message is carried into the schedule error")
    func cronMessage() {
        let error = #expect(throws: ScheduleError.self) {
            try ScheduledWindow(name: "daily", cron: "61 1 * * *", module: "m", outputDirectory: "/o", draftDirectory: "/d")
        }
        #expect(error?.description == "schedule daily: minute field: 61 is out of range 0-59")
    }
}
