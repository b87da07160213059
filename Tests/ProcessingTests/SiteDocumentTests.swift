import JSON
import Processing
import Testing

@Suite("Site document")
struct SiteDocumentTests {
    @Test("round-trips through JSON, keeping members it does not know")
    func roundTrip() throws {
        var site = SiteDocument(
            name: "site-a", host: "a.example.org", pid: 42, instance: "a.example.org/42/ff", version: "0.4.0",
            backend: "slurm", capacity: 200, supportedVersions: ["7.0.8"], heartbeatSeconds: 5)
        site.lease = ("processing", 12)
        site.state = .holding
        site.heartbeat = "2026-11-22T04:05:10.123Z"
        var json = site.json
        json["comment"] = "set by hand"
        json["_rev"] = "3-abc"
        let read = try SiteDocument(json: json)
        #expect(read.rev == "3-abc")
        #expect(read.lease?.epoch == 12)
        #expect(read.state == .holding)
        #expect(read.json["comment"] == "set by hand")
        #expect(read.json["capacity"] == 200)
    }

    @Test("a wrong member is reported with the document id and the key")
    func malformed() {
        let json: JSONValue = ["_id": "site:b", "type": "site", "capacity": -1]
        #expect(throws: DocumentError(.malformed, id: "site:b", key: "capacity", "must not be negative")) {
            try SiteDocument(json: json)
        }
    }
}
