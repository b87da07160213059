import CouchDB
import JSON
import Testing
import TestSupport

/// Every view in `Views/`, queried over sample documents, with the rows and reduce values a
/// dashboard, a queue or run sensing relies on.
@Suite("Views/ design documents")
struct ViewsTests {
    @Test("passes/by_status_module counts passes per status and module at group_level=2")
    func statusModule() async throws {
        try await ViewsFixture.withDatabase { db in
            let grouped = try await db.view("passes", "by_status_module", ViewQuery(groupLevel: 2))
            #expect(grouped.keys == [["completed", "Processing"], ["running", "Processing"], ["waiting", "Analysis"], ["waiting", "Processing"]])
            #expect(grouped.values == [1, 1, 1, 2])
            let total = try await db.view("passes", "by_status_module")
            #expect(total.values == [5])
            let waiting = try await db.view("passes", "by_status_module", ViewQuery(startKey: ["waiting"], endKey: ["waiting", [:]]))
            #expect(waiting.values == [3])
        }
    }

    @Test("passes/by_site_status lists what each site holds")
    func siteStatus() async throws {
        try await ViewsFixture.withDatabase { db in
            let rows = try await db.view("passes", "by_site_status")
            #expect(rows.keys == [["site-a", "completed", 100], ["site-b", "running", 99]])
            #expect(rows.values == [["module": "Processing", "pass": 1], ["module": "Processing", "pass": 1]])
            let siteB = try await db.view("passes", "by_site_status", ViewQuery(startKey: ["site-b"], endKey: ["site-b", [:]]))
            #expect(siteB.rows.map(\.id) == ["job:Processing:0000000099"])
        }
    }

    @Test("passes/jobs_by_run and passes/last_pass")
    func runsAndLastPass() async throws {
        try await ViewsFixture.withDatabase { db in
            let jobs = try await db.view("passes", "jobs_by_run", ViewQuery(key: 100))
            #expect(jobs.rows.map(\.id) == ["job:Analysis:0000000100", "job:Processing:0000000100"])
            #expect(jobs.values == [["module": "Analysis", "passes": 1], ["module": "Processing", "passes": 2]])
            let last = try await db.view("passes", "last_pass", ViewQuery(key: ["Processing", 100]))
            #expect(last.values == [["pass": 2, "status": "waiting", "version": "7.0.9"]])
        }
    }

    @Test("passes/by_label follows a campaign")
    func label() async throws {
        try await ViewsFixture.withDatabase { db in
            let rows = try await db.view("passes", "by_label", ViewQuery(group: true))
            #expect(rows.keys == [["spring", "completed", "Processing"], ["spring", "waiting", "Analysis"]])
            #expect(rows.values == [1, 1])
        }
    }

    @Test("queues: runlevel, newfirst (runlevel descending), priority and serial orders of waiting passes")
    func queues() async throws {
        try await ViewsFixture.withDatabase { db in
            let runlevel = try await db.view("queues", "runlevel")
            #expect(runlevel.keys == [[100, "Analysis", 1], [100, "Processing", 2], [101, "Processing", 1]])
            #expect(runlevel.values == ["7.0.9", "7.0.9", "7.0.8"])
            let newfirst = try await db.view("queues", "runlevel", ViewQuery(descending: true))
            #expect(newfirst.keys == [[101, "Processing", 1], [100, "Processing", 2], [100, "Analysis", 1]])
            let priority = try await db.view("queues", "priority")
            #expect(priority.keys == [[-9, 100, "Analysis", 1], [-5, 101, "Processing", 1], [-1, 100, "Processing", 2]])
            let serial = try await db.view("queues", "serial")
            #expect(serial.rows.map(\.id) == ["job:Processing:0000000101", "job:Analysis:0000000100", "job:Processing:0000000100"])
        }
    }

    @Test("data views: by module/pass/subrun, by module/run and by label")
    func data() async throws {
        try await ViewsFixture.withDatabase { db in
            let files = try await db.view("data", "by_module_pass_subrun", ViewQuery(startKey: ["Processing", 100, 1], endKey: ["Processing", 100, 1, [:]]))
            #expect(files.keys == [["Processing", 100, 1, 0, "ratds"], ["Processing", 100, 1, 1, "ratds"]])
            #expect(files.values.first == ["name": "r100_s0.root", "size": 1024, "adler32": "0a1b2c3d"])
            let byRun = try await db.view("data", "by_module_run")
            #expect(byRun.keys == [["Processing", 100, 1, "ratds"]])
            #expect(byRun.values == [2])
            let byLabel = try await db.view("data", "by_label", ViewQuery(key: ["spring", "Processing", 100]))
            #expect(byLabel.values == ["ratds"])
        }
    }

    @Test("runs and sites views")
    func runsAndSites() async throws {
        try await ViewsFixture.withDatabase { db in
            let status = try await db.view("runs", "by_processing_status")
            #expect(status.keys == [["pending", 101], ["queued", 100]])
            let complete = try await db.view("runs", "complete")
            #expect(complete.keys == [100])
            #expect(complete.values == ["Physics"])
            let sites = try await db.view("sites", "by_heartbeat")
            #expect(sites.rows.map(\.id) == ["site:site-b", "site:site-a"])
            #expect(sites.values.first == ["name": "site-b", "draining": true, "backend": "local"])
        }
    }
}
