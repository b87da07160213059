import Foundation
import JSON
import Processing
import Testing

@Suite("Schedule: the window document")
struct ScheduleWindowDocumentTests {
    static func window() throws -> WindowDocument {
        let schedule = try ScheduledWindow(
            name: "param-data", cron: "0 1 * * *", length: WindowLength(days: 1), module: "ParamDataGrabber",
            outputDirectory: "/pnfs/ldrd/accelai/tape", draftDirectory: "/scratch/draft")
        return schedule.window(firingAt: utc("2026-12-02T01:00:00Z"))
    }

    @Test("its JSON has the type its id prefix names, and the window in UTC")
    func shape() throws {
        var window = try Self.window()
        window.epoch = 12
        let json = window.json
        #expect(json["_id"] == "window:param-data:20261202T010000Z")
        #expect(json["type"] == "window")
        #expect(json["_id"]?.stringValue?.hasPrefix((json["type"]?.stringValue ?? "") + ":") == true)
        #expect(json["fire"] == "2026-12-02T01:00:00Z")
        #expect(json["start"] == "2026-12-01T01:00:00Z")
        #expect(json["end"] == "2026-12-02T01:00:00Z")
        #expect(json["draft_directory"] == "/scratch/draft")
        #expect(json["output_directory"] == "/pnfs/ldrd/accelai/tape")
        #expect(json["epoch"] == 12)
        #expect(json["_rev"] == nil)
        #expect(try Self.window().json["epoch"] == nil)
    }

    @Test("round-trips through JSON, keeping members it does not know")
    func roundTrip() throws {
        var json = try Self.window().json
        json["_rev"] = "2-abc"
        json["job"] = ["status": "running"]
        json["epoch"] = 7
        let read = try WindowDocument(json: json)
        #expect(read.rev == "2-abc")
        #expect(read.epoch == 7)
        #expect(read.start == utc("2026-12-01T01:00:00Z"))
        #expect(read.json["job"]?["status"] == "running")
        #expect(try WindowDocument(json: read.json) == read)
        #expect(Set(read.json.objectValue?.keys ?? []) == Set(json.objectValue?.keys ?? []))
    }

    static let wrongMembers: [(String, JSONValue, String)] = [
        ("type", "job", "must be \"window\""),
        ("start", "2026-12-01 01:00:00", "2026-12-01 01:00:00 is not a UTC time such as 2026-12-02T01:00:00Z"),
        ("fire", "2026-12-02T02:00:00Z", "must be window:param-data:20261202T020000Z for its schedule and fire time"),
        ("end", "2026-11-30T00:00:00Z", "must not be after end"),
        ("module", 3, "must be a string"),
        ("epoch", 1.5, "must be a whole number"),
    ]

    @Test("a wrong member is reported with the document id and the key", arguments: wrongMembers)
    func malformed(_ key: String, _ value: JSONValue, _ problem: String) throws {
        var json = try Self.window().json
        json[key] = value
        let expectedKey = key == "fire" ? "_id" : key == "end" ? "start" : key
        #expect(throws: DocumentError(.malformed, id: "window:param-data:20261202T010000Z", key: expectedKey, problem)) {
            try WindowDocument(json: json)
        }
    }

    @Test("a document of another kind is refused")
    func notAWindow() {
        #expect(throws: DocumentError.self) { try WindowDocument(json: ["_id": "site:a", "type": "site"]) }
    }

    @Test("fractional times in stored documents are read")
    func fractional() throws {
        var json = try Self.window().json
        json["start"] = "2026-12-01T01:00:00.250Z"
        let read = try WindowDocument(json: json)
        #expect(read.start == utc("2026-12-01T01:00:00.250Z"))
    }
}
