import Bootstrap
import CouchDB
import Foundation
import JSON
import Lease
import Worker

/// The fleet part of `gasp demo`: three `gasp worker` child processes on the demo database,
/// the lease holder killed and replaced, its old epoch refused, the rest shut down gracefully.
struct DemoFleet {
    let database: CouchDatabase
    let url: String
    let password: String
    let directory: URL
    let sites = ["site-a", "site-b", "site-c"]
    let leaseSeconds = 3.0

    /// Creates the database and installs Views/ (the views and the fencing rule).
    static func installViews(client: CouchClient, database: String) async throws {
        let source = try DesignDocumentSource.load(from: try ViewsDirectory.locate(explicit: nil))
        let bootstrapper = Bootstrapper(documents: source)
        try await bootstrapper.apply(try await bootstrapper.plan(client: client, databases: [database]), client: client)
        say("2. Created the database \(database) and installed the design documents of Views/ with gasp bootstrap's code: the views, and the fencing rule every write passes.")
    }

    func run() async throws {
        var environment = ProcessInfo.processInfo.environment
        environment["GASP_DEMO_PASSWORD"] = password
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let workers = try sites.map { site in
            try WorkerChildProcess(
                site: site,
                yaml: """
                    site: \(site)
                    couchdb: {url: "\(url)", database: \(database.name), user: admin, password_env: GASP_DEMO_PASSWORD}
                    worker:
                      lease: {scope: processing, seconds: \(Int(leaseSeconds)), mode: hold}
                      heartbeat_seconds: 0.5
                      cycle_seconds: 0.5

                    """,
                directory: directory, executable: executable, environment: environment,
                logFile: directory.appendingPathComponent("\(site).log"), logLevel: "info")
        }
        defer { for worker in workers { worker.signal(SIGKILL) } }
        for worker in workers { try worker.start() }
        say("4. Started three identical site workers (site-a, site-b, site-c; hold mode, \(Int(leaseSeconds)) s lease) as child processes.")

        let first = try await waitForLease(within: 30) { $0.holder != nil }
        try await waitForSites(within: 15, holding: first.holder!.site)
        say("   \(first.holder!.site) won lease:processing at epoch \(first.epoch); the others stand by:\n")
        try await showStatus()

        guard let victim = workers.first(where: { $0.site == first.holder?.site }) else { return }
        let killedAt = ContinuousClock.now
        victim.signal(SIGKILL)
        say("5. Killed \(victim.site)'s worker with SIGKILL (pid \(victim.pid)), as if its site lost power.")
        let next = try await waitForLease(within: leaseSeconds * 3 + 10) { $0.holder != nil && $0.holder != first.holder }
        let takeover = killedAt.duration(to: .now)
        let seconds = Double(takeover.components.seconds) + Double(takeover.components.attoseconds) / 1e18
        say(String(format: "   %@ took over %.2f s later (%.2f × the lease), at epoch %lld.\n", next.holder!.site, seconds, seconds / leaseSeconds, next.epoch))
        _ = try await waitForCycle(epoch: next.epoch, within: 10)
        try await showStatus()

        try await showFencing(oldEpoch: first.epoch, newEpoch: next.epoch)

        for worker in workers where worker.isRunning { worker.signal(SIGTERM) }
        for worker in workers where worker !== victim {
            let status = await worker.waitForExit(timeout: .seconds(15))
            if status != 0 { say("   \(worker.site)'s worker did not stop cleanly (exit status \(status.map(String.init) ?? "none"))") }
        }
        let released = try await readLease()
        say("7. Stopped the other workers with SIGTERM: each stopped its cycle, then released the lease (holder now \(released?.holder?.site ?? "none"), epoch kept at \(released?.epoch ?? 0)), then wrote a last heartbeat.\n")
        try await showStatus()
    }

    /// A write carrying the killed holder's epoch, as a paused holder that woke up would make.
    func showFencing(oldEpoch: Int64, newEpoch: Int64) async throws {
        guard var record = try await database.getIfExists("cycle:processing") else { return }
        record["epoch"] = .int(oldEpoch)
        let refusal: CouchError?
        do {
            _ = try await database.put(record)
            refusal = nil
        } catch {
            refusal = error
        }
        guard let refusal else {
            say("6. A write carrying the old epoch \(oldEpoch) was accepted: the fencing rule is not installed!")
            return
        }
        guard refusal.status == 403 else { throw refusal }
        say("6. A write to cycle:processing carrying the old holder's epoch \(oldEpoch), as a holder that was only paused would make on waking, was refused: 403 \(refusal.reason ?? "forbidden"). Epoch \(newEpoch) fences it off.\n")
    }

    func showStatus() async throws {
        let status = try await FleetStatus.read(database: database, scope: "processing")
        print(status.table.split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? "" : "     " + $0 }.joined(separator: "\n"))
    }

    func readLease() async throws -> LeaseDocument? {
        try await database.getIfExists(LeaseDocument.id(scope: "processing")).map { try LeaseDocument(json: $0) }
    }

    func waitForLease(within seconds: Double, _ condition: (LeaseDocument) -> Bool) async throws -> LeaseDocument {
        let deadline = ContinuousClock.now.advanced(by: .seconds(seconds))
        while ContinuousClock.now < deadline {
            if let lease = try await readLease(), condition(lease) { return lease }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw ExitMessage("gasp demo: the lease did not change as expected within \(seconds) s; the workers' logs are in \(directory.path)")
    }

    /// Waits until every site has heartbeated and `holder`'s heartbeat says it holds the lease.
    func waitForSites(within seconds: Double, holding holder: String) async throws {
        let deadline = ContinuousClock.now.advanced(by: .seconds(seconds))
        while ContinuousClock.now < deadline {
            let rows = try await database.allDocs(.prefix("site:", includeDocs: true)).rows
            let holding = rows.contains { $0.id == "site:" + holder && $0.doc?["state"]?.stringValue == "holding" }
            if rows.count == sites.count && holding { return }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    func waitForCycle(epoch: Int64, within seconds: Double) async throws -> Bool {
        let deadline = ContinuousClock.now.advanced(by: .seconds(seconds))
        while ContinuousClock.now < deadline {
            if try await database.getIfExists("cycle:processing")?["epoch"]?.intValue == Int(epoch) { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }
}
