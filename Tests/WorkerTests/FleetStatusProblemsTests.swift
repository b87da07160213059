import CouchDB
import Foundation
import JSON
import Lease
import Processing
import Testing
import TestSupport
@testable import Worker

/// `gasp status` tells the truth: what is wrong with the fleet is listed, and nothing when
/// nothing is.
@Suite("Status: problems found in the documents")
struct FleetStatusProblemsTests {
    let now = Date()

    func site(_ name: String, heartbeatAgo: Double, state: SiteDocument.State = .standby, monitoredAgo: Double? = 1) -> SiteDocument {
        var site = SiteDocument(
            name: name, host: name, pid: 1, instance: "\(name)/1/x", version: "0.4.0", backend: "local", capacity: 4,
            supportedVersions: [], heartbeatSeconds: 1)
        site.state = state
        site.heartbeat = Timestamp.string(now.addingTimeInterval(-heartbeatAgo))
        site.monitored = monitoredAgo.map { Timestamp.string(now.addingTimeInterval(-$0)) }
        site.cycleSeconds = 1
        return site
    }

    func activeJob(run: Int, site: String, abandonedAt: String? = nil) throws -> JSONValue {
        var pass = Pass(pass: 1, version: "v", created: now, subjobs: [Subjob(subrun: nil)])
        try pass.transition(to: .submitted, at: now, site: site, epoch: 1, reason: "claimed")
        pass.site = site
        pass.attempts = 1
        if let abandonedAt {
            pass.abandoned = [AbandonedBatchJob(site: abandonedAt, attempt: 1, subrun: nil, backendID: "7", backendName: "n", directory: nil, since: "")]
        }
        return JobDocument(module: "M", run: run, runType: "Physics", passes: [pass]).json
    }

    @Test("a healthy fleet has no problems")
    func healthy() async throws {
        try await withDatabase("gasp_status") { database, _ in
            try await installViews(into: database)
            for document in [site("site-a", heartbeatAgo: 0.2).json, try activeJob(run: 1, site: "site-a")] {
                _ = try await database.put(document)
            }
            let status = try await FleetStatus.read(database: database, scope: "processing", now: now)
            #expect(status.problems.isEmpty, "\(status.problems)")
            #expect(status.activePasses == ["site-a": 1])
            #expect(status.table.contains("no problems found"))
        }
    }

    @Test("stranded passes, abandoned jobs, fenced writes, two workers under one name and a stopped site are each listed")
    func problemsListed() async throws {
        try await withDatabase("gasp_status") { database, _ in
            try await installViews(into: database)
            var fenced = site("site-a", heartbeatAgo: 0.2)
            fenced.fencedWrites = 3
            fenced.lastFencedWrite = ["document": "job:M:0000000002", "time": "2026-12-03T00:00:00.000Z"]
            var duplicate = site("site-d", heartbeatAgo: 0.2)
            duplicate.extra["other_instance"] = "other-host/9/y"
            duplicate.extra["other_instance_seen"] = .string(Timestamp.string(now.addingTimeInterval(-5)))
            let documents: [JSONValue] = [
                fenced.json, duplicate.json,
                site("site-b", heartbeatAgo: 120).json,                        // gone quiet, with passes
                site("site-c", heartbeatAgo: 0.3, monitoredAgo: 600).json,     // live, but not following its passes
                site("site-e", heartbeatAgo: 50, state: .stopped).json,        // stopped, enabled
                try activeJob(run: 2, site: "site-b"), try activeJob(run: 3, site: "site-c"),
                try activeJob(run: 4, site: "site-a", abandonedAt: "site-b"),
            ]
            for document in documents { _ = try await database.put(document) }
            let status = try await FleetStatus.read(database: database, scope: "processing", now: now)
            let kinds = Set(status.problems.map { "\($0.kind)@\($0.site)" })
            #expect(kinds == [
                "stranded_passes@site-b", "stranded_passes@site-c", "abandoned_jobs@site-b", "fenced_writes@site-a",
                "duplicate_worker@site-d", "site_down@site-b", "site_down@site-e",
            ], "\(status.problems)")
            #expect(status.table.contains("PROBLEMS (7):"))
            #expect(status.json["problems"]?.arrayValue?.count == 7)
            #expect(status.problems.first { $0.site == "site-c" }?.message.contains("not followed through its batch system") == true)
        }
    }
}
