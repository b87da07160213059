import Backends
import Bootstrap
import CouchDB
import Enqueue
import Foundation
import GaspWorkerCommand
import JSON
import Lease
import Processing
import Worker

/// The fleet part of `gasp demo`: a catalogue of small shell-script modules, six runs and their
/// passes, three `gasp worker` child processes processing them, the lease holder killed midway
/// and replaced, its old epoch refused, and a closing account of every pass.
struct DemoFleet {
    let database: CouchDatabase
    let url: String
    let password: String
    let directory: URL
    let sites = ["site-a", "site-b", "site-c"]
    let leaseSeconds = 3.0
    let runs = Array(300_000..<300_006)

    /// Processing writes one file per subfile, Analysis one per run once Processing completed.
    static let catalogue = """
        version: demo
        input_kinds: [L2]
        modules:
          Processing:
            kind: script
            level: sub_run
            command: "sleep 0.4; echo 'events of run {run} subfile {subrun}' > Processing_r{run10}_s{subrun}_p{pass}.root"
            outputs: [{data_type: ratds, pattern: "Processing_r{run10}_s{subrun}_p{pass}.root"}]
          Analysis:
            kind: script
            level: run
            prerequisites: [Processing]
            command: "sleep 0.2; echo 'analysis of run {run}' > Analysis_r{run10}_p{pass}.root"
            outputs: [{data_type: ntuple, pattern: "Analysis_r{run10}_p{pass}.root"}]
        run_types:
          Physics: [Processing, Analysis]
        """

    /// Creates the database and installs Views/ (the views and the fencing rule).
    static func installViews(client: CouchClient, database: String) async throws {
        let source = try DesignDocumentSource.load(from: try ViewsDirectory.locate(explicit: nil))
        let bootstrapper = Bootstrapper(documents: source)
        try await bootstrapper.apply(try await bootstrapper.plan(client: client, databases: [database]), client: client)
        say("2. Created the database \(database) and installed the design documents of Views/ (gasp bootstrap): the views, and the fencing rule every write passes.")
    }

    func run() async throws {
        let catalogue = try CatalogueStore.parse(Self.catalogue, file: "demo catalogue")
        _ = try await database.put(catalogue.document)
        let registered = try await database.bulkDocs(runs.map { run in
            RunDocument(run: run, runType: "Physics", complete: true, subfiles: 3).json
        })
        let outcome = try await JobCreator(database: database, catalogue: catalogue)
            .enqueue(EnqueueSpec(version: "demo", inputKind: "L2"), selection: .range(runs.first!, runs.last!))
        say("3. Installed a module catalogue of two shell-script modules, registered \(registered.filter(\.ok).count) runs of 3 subfiles, and created \(outcome.created.count) passes with `gasp enqueue demo L2 -R \(runs.first!) \(runs.last!)` (Analysis waits for Processing).")

        let workers = try startWorkers()
        defer { for worker in workers { worker.signal(SIGKILL) } }
        say("4. Started three identical site workers (site-a, site-b, site-c: hold mode, \(Int(leaseSeconds)) s lease, local batch system, 4 passes at a time).")
        let first = try await waitForLease(within: 30) { $0.holder != nil }
        try await waitUntil(within: 60, "passes to complete") { try await passCounts()["completed", default: 0] >= 3 }
        say("   \(first.holder!.site) holds the lease at epoch \(first.epoch) and runs the cycle; passes so far: \(try await countsLine())\n")
        try await showStatus()

        guard let victim = workers.first(where: { $0.site == first.holder?.site }) else { return }
        let killedAt = ContinuousClock.now
        victim.signal(SIGKILL)
        say("5. Killed \(victim.site)'s worker with SIGKILL (pid \(victim.pid)) in the middle of its work, as if its site lost power.")
        let next = try await waitForLease(within: leaseSeconds * 3 + 10) { $0.holder != nil && $0.holder != first.holder }
        let takeover = killedAt.duration(to: .now)
        let seconds = Double(takeover.components.seconds) + Double(takeover.components.attoseconds) / 1e18
        say(String(format: "   %@ took over %.2f s later (%.2f × the lease), at epoch %lld.",
                   next.holder!.site, seconds, seconds / leaseSeconds, next.epoch))
        _ = await victim.waitForExit(timeout: .seconds(10))
        try victim.start()
        say("   Started \(victim.site)'s worker again (pid \(victim.pid)), as systemd would. It stands by, and follows its own passes through its own batch system: the batch jobs it started kept running while it was down, so nothing of it is reset or run twice. A site's passes go to another site only after \(Int(SiteDocument.defaultDeadAfterSeconds)) s without a heartbeat (its dead_after_seconds).")
        try await waitUntil(within: 90, "every pass to complete") { try await passCounts()["completed", default: 0] == outcome.created.count }
        say("   Passes: \(try await countsLine())\n")
        try await showStatus()

        try await showFencing(oldEpoch: first.epoch, newEpoch: next.epoch)

        for worker in workers where worker.isRunning { worker.signal(SIGTERM) }
        for worker in workers {
            let status = await worker.waitForExit(timeout: .seconds(15))
            if status != 0 { say("   \(worker.site)'s worker did not stop cleanly (exit status \(status.map(String.init) ?? "none"))") }
        }
        let released = try await readLease()
        say("7. Stopped the workers with SIGTERM: each stopped its cycle, released the lease (holder now \(released?.holder?.site ?? "none"), epoch kept at \(released?.epoch ?? 0)), then wrote a last heartbeat.\n")
        try await summary(expected: outcome.created.count, killed: victim.site)
    }

    func startWorkers() throws -> [WorkerChildProcess] {
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
                      capacity: 4
                      backend: local
                      output_root: \(directory.appendingPathComponent("output").path)

                    """,
                directory: directory, executable: executable, environment: environment,
                logFile: directory.appendingPathComponent("\(site).log"), logLevel: "info")
        }
        for worker in workers { try worker.start() }
        return workers
    }

    /// Every pass completed, how often each ran, and the batch systems' own records.
    func summary(expected: Int, killed: String) async throws {
        var again = 0
        var completed = 0
        for row in try await database.allDocs(.prefix("job:", includeDocs: true)).rows {
            guard let json = row.doc, let job = try? JobDocument(json: json) else { continue }
            for pass in job.passes where pass.status == .completed {
                completed += 1
                if pass.attempts > 1 { again += 1 }
            }
        }
        var names: [String: Int] = [:]
        for site in sites {
            let log = LocalSubmissionLog(stateDirectory: directory.appendingPathComponent("output/.gasp-local-jobs/\(site)"))
            for entry in (try? log.entries()) ?? [] { names[entry.name, default: 0] += 1 }
        }
        let twice = names.values.filter { $0 > 1 }.count
        let data = try await database.allDocs(.prefix("data:")).rows.count
        say("""
            Summary: \(completed) of \(expected) passes completed, each exactly once; \(again == 0 ? "none" : "\(again)") needed a second attempt (the passes running at \(killed) when it was killed were followed to the end by its restarted worker).
                     \(names.count) batch jobs were submitted and \(twice == 0 ? "none" : "\(twice)") twice (the local batch systems' own records); \(data) data documents catalogue the outputs with size and adler32.
                     Outputs: \(directory.appendingPathComponent("output").path)  Worker logs: \(directory.path)/site-*.log
            """)
    }

    /// A write carrying the killed holder's epoch, as a paused holder that woke up would make.
    /// The new holder rewrites the record every cycle, so a write made between its read and its
    /// put is a 409 conflict (checked before the fencing rule): it is read again and retried.
    func showFencing(oldEpoch: Int64, newEpoch: Int64) async throws {
        var refusal: CouchError?
        for _ in 1...20 {
            guard var record = try await database.getIfExists("cycle:processing") else { return }
            record["epoch"] = .int(oldEpoch)
            do {
                _ = try await database.put(record)
                refusal = nil
            } catch {
                refusal = error
            }
            guard refusal?.status == 409 else { break }
        }
        guard let refusal else {
            say("6. A write carrying the old epoch \(oldEpoch) was accepted: the fencing rule is not installed!")
            return
        }
        guard refusal.status == 403 else { throw refusal }
        say("6. A write carrying the old holder's epoch \(oldEpoch), as a holder that was only paused would make on waking, was refused: 403 \(refusal.reason ?? "forbidden"). Epoch \(newEpoch) fences it off.\n")
    }

    func showStatus() async throws {
        let status = try await FleetStatus.read(database: database, scope: "processing")
        print(status.table.split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? "" : "     " + $0 }.joined(separator: "\n"))
    }

    /// Passes by status, from the dashboard view.
    func passCounts() async throws -> [String: Int] {
        let rows = try await database.view("passes", "by_status_module", ViewQuery(groupLevel: 1)).rows
        return Dictionary(rows.compactMap { row in row.key[0]?.stringValue.map { ($0, row.value.intValue ?? 0) } }, uniquingKeysWith: +)
    }

    func countsLine() async throws -> String {
        try await passCounts().sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
    }

    func readLease() async throws -> LeaseDocument? {
        try await database.getIfExists(LeaseDocument.id(scope: "processing")).map { try LeaseDocument(json: $0) }
    }

    func waitForLease(within seconds: Double, _ condition: (LeaseDocument) -> Bool) async throws -> LeaseDocument {
        var found: LeaseDocument?
        try await waitUntil(within: seconds, "the lease to change hands") {
            found = try await readLease()
            return found.map(condition) ?? false
        }
        return found!
    }

    func waitUntil(within seconds: Double, _ what: String, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now.advanced(by: .seconds(seconds))
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ExitMessage("gasp demo: waited \(Int(seconds)) s for \(what); the workers' logs are in \(directory.path)")
    }
}
