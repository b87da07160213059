import CouchDB
import Foundation
import JSON
import Processing
import Testing
import TestSupport
@testable import Worker

@Suite("Heartbeat: the site document against a store")
struct HeartbeatTests {
    static func site(_ name: String) -> SiteDocument {
        SiteDocument(
            name: name, host: "host-\(name)", pid: 42, instance: "host-\(name)/42/ab", version: "0.4.0", backend: "slurm",
            capacity: 8, supportedVersions: ["7.0.8"], heartbeatSeconds: 30)
    }

    @Test("each beat rewrites the document; the operator's drain switch and hand-added members survive it")
    func keepsOperatorSwitches() async throws {
        try await withDatabase("gasp_heartbeat") { database, _ in
            let heartbeat = Heartbeat(database: database, site: Self.site("site-a"))
            try await heartbeat.beat()
            var stored = try await database.get("site:site-a")
            #expect(stored["capacity"] == 8)
            #expect(stored["draining"] == false)
            let firstBeat = stored["heartbeat"]?.stringValue

            // An operator drains the site and leaves a note, between two beats.
            stored["draining"] = true
            stored["note"] = "disk full, draining until Monday"
            _ = try await database.put(stored)

            await heartbeat.set(state: .holding, lease: ("processing", 7))
            try await heartbeat.beat()
            let after = try await database.get("site:site-a")
            #expect(after["draining"] == true)
            #expect(after["note"] == "disk full, draining until Monday")
            #expect(after["state"] == "holding")
            #expect(after["lease"]?["epoch"] == 7)
            #expect(after["heartbeat"]?.stringValue != nil)
            #expect(after["heartbeat"]?.stringValue ?? "" >= firstBeat ?? "")
            #expect(await heartbeat.isDraining)
        }
    }

    @Test("writes refused by the fencing rule stay counted across a restart, and one counted before the new process's first write adds to them")
    func fencedWritesSurviveRestart() async throws {
        try await withDatabase("gasp_heartbeat") { database, _ in
            let first = Heartbeat(database: database, site: Self.site("site-a"))
            try await first.beat()
            await first.recordFencedWrite(FencedWriteRefused(documentID: "job:M:0000000001", epoch: 3, reason: "epoch 3 is lower than current epoch 4"))
            await first.recordFencedWrite(FencedWriteRefused(documentID: "job:M:0000000002", epoch: 3, reason: "epoch 3 is lower than current epoch 4"))
            try await first.beat()
            #expect(try await database.get("site:site-a")["fenced_writes"] == 2)

            // The process is restarted: a new one under the same name counts one more before its first write.
            var restarted = Self.site("site-a")
            restarted.instance = "host-site-a/43/cd"
            let second = Heartbeat(database: database, site: restarted)
            await second.recordFencedWrite(FencedWriteRefused(documentID: "cycle:processing", epoch: 4, reason: "epoch 4 is lower than current epoch 5"))
            try await second.beat()
            let stored = try await database.get("site:site-a")
            #expect(stored["fenced_writes"] == 3)
            #expect(stored["last_fenced_write"]?["document"] == "cycle:processing")
            try await second.beat()
            #expect(try await database.get("site:site-a")["fenced_writes"] == 3, "a later beat counts nothing twice")
        }
    }

    @Test("the beat reads every site: live ones make the turn order, this site among them")
    func readsOtherSites() async throws {
        try await withDatabase("gasp_heartbeat") { database, _ in
            let a = Heartbeat(database: database, site: Self.site("site-a"))
            let b = Heartbeat(database: database, site: Self.site("site-b"))
            try await a.beat()
            try await b.beat()
            try await a.beat()
            #expect(await a.liveSites() == ["site-a", "site-b"])
            #expect(await a.nextSite() == "site-b")
            #expect(await b.nextSite() == "site-a")
        }
    }
}

@Suite("Site switches set by an operator")
struct SiteControlTests {
    @Test("drain and disable land in the site document and survive the worker's next heartbeat")
    func drainSurvivesHeartbeat() async throws {
        try await withDatabase("gasp_site_control") { database, _ in
            let heartbeat = Heartbeat(database: database, site: HeartbeatTests.site("site-a"))
            try await heartbeat.beat()
            let drained = try await SiteControl.setDraining(true, site: "site-a", database: database)
            #expect(drained.draining)
            try await SiteControl.setEnabled(false, site: "site-a", database: database)
            try await heartbeat.beat()
            let context = await heartbeat.cycleContext()
            #expect(context.draining)
            #expect(!context.enabled)
            #expect(!context.mayClaim)
            try await SiteControl.setDraining(false, site: "site-a", database: database)
            try await SiteControl.setEnabled(true, site: "site-a", database: database)
            try await heartbeat.beat()
            #expect(await heartbeat.cycleContext().mayClaim)
            await #expect(throws: CouchError.self) { try await SiteControl.setDraining(true, site: "nowhere", database: database) }
        }
    }
}
