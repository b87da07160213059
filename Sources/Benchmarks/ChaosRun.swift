import CouchDB
import Enqueue
import Foundation
import JSON
import Lease
import Processing
import Synchronization
import Worker

/// One run of `gasp bench chaos` on one database: the fleet, the watchers, the disruptions and
/// the final account. The watchers run as tasks beside the disruptions and share what they see
/// through locks.
final class ChaosRun: Sendable {
    let benchmark: ChaosBenchmark
    let database: CouchDatabase
    let fleet: ChaosFleet
    let ledger: ChaosLedger
    let directory: URL
    let outputRoot: URL
    let progress: @Sendable (String) -> Void
    let scope = "processing"
    let module = "Processing"
    let version = "chaos"

    /// The lease as last read, and when its revision last changed (this process's clock).
    private let lease = Mutex<(document: LeaseDocument?, changed: ContinuousClock.Instant)>((nil, .now))
    /// Every change of lease holder or epoch seen.
    private let sightings = Mutex<[LeaseSighting]>([])
    /// Passes seen stranded, by job id and attempt.
    private let strands = Mutex<[String: ChaosStrand]>([:])
    /// Whether fresh passes are still enqueued, the next run number, how many were enqueued.
    private let feed = Mutex<(on: Bool, nextRun: Int, enqueued: Int)>((true, 1000, 0))

    init(benchmark: ChaosBenchmark, database: CouchDatabase, base: String, user: String, password: String, directory: URL,
         progress: @escaping @Sendable (String) -> Void) throws {
        self.benchmark = benchmark
        self.database = database
        self.directory = directory
        self.progress = progress
        outputRoot = directory.appendingPathComponent("output")
        ledger = ChaosLedger(directory: directory.appendingPathComponent("ledger"))
        try FileManager.default.createDirectory(at: ledger.directory, withIntermediateDirectories: true)
        var environment = ProcessInfo.processInfo.environment
        environment["GASP_BENCH_PASSWORD"] = password
        environment["GASP_FAILPOINTS"] = "after-claim=stop,after-submit=stop"
        let output = outputRoot.path
        fleet = try ChaosFleet(
            sites: ["site-a", "site-b", "site-c"], directory: directory, executable: benchmark.executable, environment: environment
        ) { site in
            """
            site: \(site)
            couchdb: {url: "\(base)", database: \(database.name), user: \(user), password_env: GASP_BENCH_PASSWORD}
            worker:
              lease: {scope: processing, seconds: \(benchmark.leaseSeconds), mode: hold}
              heartbeat_seconds: \(benchmark.heartbeatSeconds)
              cycle_seconds: \(benchmark.cycleSeconds)
              dead_after_seconds: \(benchmark.deadAfterSeconds)
              capacity: \(benchmark.capacity)
              backend: local
              output_root: \(output)

            """
        }
    }

    /// The catalogue: one sub-run module whose batch jobs write the ledger around a sleep of
    /// 0.2 to 2 s (fixed per run, subrun and seed) and one output file.
    var catalogue: String {
        let path = ledger.directory.path
        let offset = benchmark.seed % 19
        let ledgerFile = "\(path)/P_{run}_{subrun}"
        return """
            version: \(version)
            defaults:
              retry: {max_attempts: 3, initial_delay_seconds: 0, multiplier: 1, max_delay_seconds: 0, jitter: 0}
            modules:
              \(module):
                kind: script
                level: sub_run
                command: 'echo start a{attempt} $(date +%s.%N) >> \(ledgerFile); t=$(( ({run} * 7 + {subrun} * 13 + \(offset)) % 19 + 2 )); sleep $((t / 10)).$((t % 10)); echo {run} > P_r{run10}_s{subrun}.root; echo end a{attempt} $(date +%s.%N) >> \(ledgerFile)'
                outputs: [{data_type: ratds, pattern: "P_r{run10}_s{subrun}.root"}]
            run_types:
              Physics: [\(module)]
            """
    }

    // MARK: - The run

    func run() async throws -> ChaosBenchmark.Figures {
        _ = try await database.put(try CatalogueStore.parse(catalogue, file: "chaos catalogue").document)
        let started = ContinuousClock.now
        try fleet.startAll()
        defer {
            fleet.killAll()
            killBatchJobs()
        }
        progress("three workers started; logs in \(directory.path)")
        let first = try await waitForLease(within: 30) { $0.holder != nil }
        progress("\(first.holder!.site) holds the lease at epoch \(first.epoch)")
        try await enqueue(2 * benchmark.capacity)

        let (events, skipped, allEnded) = try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await self.watchLease() }
            group.addTask { await self.observe() }
            group.addTask { await self.fleet.resumeFailPointStops() }
            defer { group.cancelAll() }
            let (events, skipped) = try await disrupt()
            return (events, skipped, try await finish())
        }
        let elapsed = started.duration(to: .now).secondsValue
        return try await account(events: events, skipped: skipped, allEnded: allEnded, seconds: elapsed)
    }

    /// Applies the disruptions, spaced by 1 to 2 s, undraining a drained site when its time
    /// comes. Returns the disruptions applied and how many found nothing to act on.
    func disrupt() async throws -> (events: [ChaosEvent], skipped: Int) {
        var random = SeededGenerator(seed: benchmark.seed)
        var events: [ChaosEvent] = []
        var skipped = 0
        var drained: (site: String, until: ContinuousClock.Instant)?
        for number in stride(from: 1, through: benchmark.disruptions, by: 1) {
            if let (site, until) = drained, ContinuousClock.now >= until {
                try await setDraining(site, false)
                progress("undrained \(site)")
                drained = nil
            }
            var kind = ChaosDisruption.allCases.randomElement(using: &random)!
            while kind == .drainHolder && drained != nil { kind = ChaosDisruption.allCases.randomElement(using: &random)! }
            if let event = try await apply(kind, random: &random) {
                events.append(event)
                if kind == .drainHolder, let site = event.site {
                    drained = (site, ContinuousClock.now.advanced(by: .seconds(Double.random(in: 3...10, using: &random))))
                }
                progress("\(number)/\(benchmark.disruptions): \(kind.rawValue)\(event.site.map { ": " + $0 } ?? "")"
                         + (event.detail.isEmpty ? "" : " (\(event.detail))") + "; epoch was \(event.epoch.map(String.init) ?? "-")")
            } else {
                skipped += 1
                progress("\(number)/\(benchmark.disruptions): \(kind.rawValue): nothing to act on, skipped")
            }
            try await Task.sleep(for: .seconds(Double.random(in: 1...2, using: &random)))
        }
        if let (site, _) = drained {
            try await setDraining(site, false)
            progress("undrained \(site)")
        }
        return (events, skipped)
    }

    /// Applies one disruption; nil when there was nothing to act on (no live holder within a
    /// few leases, no lease to delete, a fail point the holder did not reach).
    func apply(_ kind: ChaosDisruption, random: inout SeededGenerator) async throws -> ChaosEvent? {
        var site: String?
        var epoch = lease.withLock { $0.document?.epoch }
        if kind.needsHolder {
            guard let holder = await waitForLiveHolder(within: benchmark.leaseSeconds * 4) else { return nil }
            site = holder.site
            epoch = holder.epoch
        }
        var instant = ContinuousClock.now
        var date = Date()
        var detail = ""
        let lease = benchmark.leaseSeconds
        switch kind {
        case .killHolder, .killStandby:
            if kind == .killStandby {
                let holding = liveHolder()?.site
                site = fleet.sites.filter { $0 != holding }.randomElement(using: &random)
            }
            let victim = site!
            let down = Double.random(in: 0.05...1, using: &random)
            fleet.kill(victim)
            try await Task.sleep(for: .seconds(down))
            try fleet.restart(victim)
            detail = String(format: "restarted after %.2f s", down)
        case .pauseHolderShort, .pauseHolderLong:
            let seconds = kind == .pauseHolderShort
                ? Double.random(in: 0.2...0.9, using: &random) * lease : Double.random(in: 1.1...2.5, using: &random) * lease
            fleet.pause(site!)
            try await Task.sleep(for: .seconds(seconds))
            fleet.resume(site!)
            detail = String(format: "%.2f s", seconds)
        case .holdAtFailPoint:
            let seconds = Bool.random(using: &random)
                ? Double.random(in: 0.2...0.9, using: &random) * lease : Double.random(in: 1.1...2.5, using: &random) * lease
            fleet.arm(site!)
            let deadline = ContinuousClock.now.advanced(by: .seconds(6))
            while fleet.heldSince(site!) == nil && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            guard let held = fleet.disarm(site!) else { return nil }
            date = held
            instant = ContinuousClock.now.advanced(by: .seconds(held.timeIntervalSinceNow))
            try await Task.sleep(until: instant.advanced(by: .seconds(seconds)))
            fleet.resume(site!)
            detail = String(format: "held %.2f s", seconds)
        case .deleteLease:
            guard try await deleteLease() else { return nil }
        case .drainHolder:
            try await setDraining(site!, true)
        }
        return ChaosEvent(kind: kind, site: site, instant: instant, date: date, epoch: epoch, detail: detail)
    }

    /// Stops feeding passes, makes sure every worker runs, and waits (up to the final wait) for
    /// every pass to reach an end state. Returns whether every pass did.
    func finish() async throws -> Bool {
        feed.withLock { $0.on = false }
        for site in fleet.sites where !fleet.isWorking(site) {
            progress("\(site)'s worker is not running at the end: starting it again")
            try fleet.restart(site)
        }
        progress("waiting up to \(Int(benchmark.finalWaitSeconds)) s for every pass to end")
        let deadline = ContinuousClock.now.advanced(by: .seconds(benchmark.finalWaitSeconds))
        while ContinuousClock.now < deadline {
            if let open = try? await openPasses(), open == 0 { return true }
            try await Task.sleep(for: .milliseconds(500))
        }
        return (try? await openPasses()) == 0
    }

    // MARK: - Watching

    /// Reads the lease every 20 ms, recording every change of holder or epoch.
    func watchLease() async {
        while !Task.isCancelled {
            do {
                let document = try await database.getIfExists(LeaseDocument.id(scope: scope)).map { try LeaseDocument(json: $0) }
                let now = ContinuousClock.now
                let changed = lease.withLock { state in
                    let previous = state.document
                    if previous?.rev != document?.rev { state.changed = now }
                    state.document = document
                    return previous?.epoch != document?.epoch || previous?.holder != document?.holder
                }
                if changed {
                    sightings.withLock { $0.append(LeaseSighting(instant: now, date: Date(), epoch: document?.epoch, holder: document?.holder)) }
                }
            } catch {
                // The store is busy or the document half-written: read again.
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// The live holder: a site whose worker runs (not stopped by the benchmark), is the very
    /// process the lease names, and renewed it within the last 0.6 lease.
    func liveHolder() -> (site: String, epoch: Int64)? {
        let (document, changed) = lease.withLock { ($0.document, $0.changed) }
        guard let document, let holder = document.holder,
              changed.duration(to: .now).secondsValue < benchmark.leaseSeconds * 0.6,
              let pid = fleet.pid(of: holder.site), fleet.isWorking(holder.site),
              holder.instance.split(separator: "/").dropFirst().first == Substring(String(pid))
        else { return nil }
        return (holder.site, document.epoch)
    }

    /// Polls every 20 ms for a live holder.
    func waitForLiveHolder(within seconds: Double) async -> (site: String, epoch: Int64)? {
        let deadline = ContinuousClock.now.advanced(by: .seconds(seconds))
        while ContinuousClock.now < deadline {
            if let holder = liveHolder() { return holder }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    /// Every 250 ms: records passes stranded beyond the bound, and tops the queue up while
    /// passes are still being fed.
    func observe() async {
        while !Task.isCancelled {
            do {
                try await recordStrands()
                if feed.withLock({ $0.on }), try await waitingPasses() < benchmark.capacity {
                    try await enqueue(2 * benchmark.capacity)
                }
            } catch {
                // The store is busy: look again next time.
            }
            try? await Task.sleep(for: .milliseconds(250))
        }
    }

    /// A pass is stranded when it is still submitted or running longer than the bound after
    /// both its batch jobs' ledger said `end` for its attempt and its site's worker was last
    /// started or resumed (a stopped or dead worker cannot follow its passes; that is not a
    /// strand but the disruption).
    func recordStrands() async throws {
        let rows = try await database.view("passes", "active_by_site", ViewQuery(includeDocs: true, reduce: false)).rows
        let now = Date()
        var seen = Set<String>()
        for row in rows {
            guard let json = row.doc, let job = try? JobDocument(json: json), seen.insert(job.id).inserted else { continue }
            for pass in job.passes where pass.status == .submitted || pass.status == .running {
                guard let site = pass.site, let ended = ledger.ended(run: job.run, pass: pass),
                      let running = fleet.runningSince(site) else { continue }
                let waited = now.timeIntervalSince(max(ended, running))
                guard waited > benchmark.strandBound else { continue }
                let key = "\(job.id) a\(pass.attempts)"
                strands.withLock { strands in
                    if strands[key] == nil {
                        strands[key] = ChaosStrand(
                            job: job.id, run: job.run, attempt: pass.attempts, site: site, ended: ended, since: max(ended, running),
                            seen: now, longest: waited, status: pass.status.rawValue, subjobs: pass.subjobs, history: pass.history)
                    } else {
                        strands[key]!.longest = max(strands[key]!.longest, waited)
                    }
                }
            }
        }
    }

    /// Passes waiting, from the dashboard view.
    func waitingPasses() async throws -> Int {
        let rows = try await database.view("passes", "by_status_module", ViewQuery(
            startKey: ["waiting"], endKey: ["waiting", .object([:])], reduce: true)).rows
        return rows.first?.value.intValue ?? 0
    }

    /// Passes not in an end state (waiting, submitted, running).
    func openPasses() async throws -> Int {
        let rows = try await database.view("passes", "by_status_module", ViewQuery(groupLevel: 1)).rows
        return rows.reduce(0) { total, row in
            guard let status = row.key[0]?.stringValue.flatMap(PassStatus.init(rawValue:)), !status.isEnd else { return total }
            return total + (row.value.intValue ?? 0)
        }
    }

    /// Enqueues `count` new jobs of one pass of two subruns each.
    func enqueue(_ count: Int) async throws {
        let first = feed.withLock { feed in
            let first = feed.nextRun
            feed.nextRun += count
            return first
        }
        let documents = (first..<(first + count)).map { run in
            JobDocument(module: module, run: run, runType: "Physics", passes: [
                Pass(pass: 1, version: version, created: Date(), maxAttempts: 3, subjobs: [Subjob(subrun: 0), Subjob(subrun: 1)]),
            ]).json
        }
        let written = try await database.bulkDocs(documents).filter(\.ok).count
        feed.withLock { $0.enqueued += written }
    }

    // MARK: - Acting on documents

    /// Sets `draining` in `site`'s document, as `gasp site drain` does: with the revision read,
    /// again on a conflict (the heartbeat rewrites the document every half second).
    func setDraining(_ site: String, _ draining: Bool) async throws {
        for _ in 0..<50 {
            guard let json = try await database.getIfExists(SiteDocument.id(name: site)) else {
                throw BenchmarkError("no site document for \(site)")
            }
            var document = try SiteDocument(json: json)
            document.draining = draining
            do {
                _ = try await database.put(id: document.id, document.json, rev: document.rev)
                return
            } catch {
                guard error.code == .conflict else { throw error }
            }
        }
        throw BenchmarkError("could not set draining: \(draining) on site:\(site): 50 conflicts in a row")
    }

    /// Deletes the lease document with the revision read, again on a conflict; false when
    /// there is none.
    func deleteLease() async throws -> Bool {
        for _ in 0..<20 {
            guard let json = try await database.getIfExists(LeaseDocument.id(scope: scope)), let rev = json["_rev"]?.stringValue else {
                return false
            }
            do {
                _ = try await database.delete(LeaseDocument.id(scope: scope), rev: rev)
                return true
            } catch {
                guard error.code == .conflict else { throw error }
            }
        }
        return false
    }

    /// Polls every 20 ms until the lease satisfies `condition`.
    func waitForLease(within seconds: Double, _ condition: (LeaseDocument) -> Bool) async throws -> LeaseDocument {
        let deadline = ContinuousClock.now.advanced(by: .seconds(seconds))
        while ContinuousClock.now < deadline {
            if let json = try await database.getIfExists(LeaseDocument.id(scope: scope)) {
                let document = try LeaseDocument(json: json)
                if condition(document) { return document }
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw BenchmarkError("no site held lease:\(scope) within \(seconds) s; see the logs in \(directory.path)")
    }

    /// Ends every batch job still running: the local backend's jobs are detached, each the
    /// leader of its own process group, their pids in their job folders.
    func killBatchJobs() {
        let root = outputRoot.appendingPathComponent(".gasp-local-jobs")
        for site in fleet.sites {
            let jobs = root.appendingPathComponent(site).appendingPathComponent("jobs")
            for id in (try? FileManager.default.contentsOfDirectory(atPath: jobs.path)) ?? [] {
                let folder = jobs.appendingPathComponent(id)
                guard !FileManager.default.fileExists(atPath: folder.appendingPathComponent("exit_code").path),
                      let text = try? String(contentsOf: folder.appendingPathComponent("pid"), encoding: .utf8),
                      let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 1,
                      let command = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline")),
                      String(decoding: command, as: UTF8.self).contains(folder.path)
                else { continue }
                kill(-pid, SIGKILL)
            }
        }
    }

    // MARK: - The account

    /// Counts executions, repeats and end states from the ledger and the job documents, fenced
    /// writes from the site documents, takeovers from the lease sightings.
    func account(events: [ChaosEvent], skipped: Int, allEnded: Bool, seconds: Double) async throws -> ChaosBenchmark.Figures {
        var figures = ChaosBenchmark.Figures()
        figures.seconds = seconds
        figures.directory = directory.path
        figures.skipped = skipped
        for event in events { figures.applied[event.kind, default: 0] += 1 }
        figures.enqueued = feed.withLock { $0.enqueued }
        var report: [String] = []
        let jobs = try await database.allDocs(.prefix("job:", includeDocs: true)).rows.compactMap { row in
            row.doc.flatMap { try? JobDocument(json: $0) }
        }
        for job in jobs {
            guard let pass = job.passes.first else { continue }
            figures.passes += 1
            switch pass.status {
            case .completed:
                figures.completed += 1
                if let ended = ledger.ended(run: job.run, pass: pass),
                   let completed = pass.history.last(where: { $0.to == .completed }).flatMap({ Timestamp.date($0.time) }) {
                    figures.completionLags.add(.milliseconds(Int((completed.timeIntervalSince(ended) * 1000).rounded())))
                }
            case _ where pass.status.isEnd: figures.failed += 1
            default: figures.unfinished.append(job.id)
            }
            for subjob in pass.subjobs {
                let subrun = subjob.subrun ?? 0
                let (starts, repeats) = ledger.executions(run: job.run, subrun: subrun, pass: pass)
                figures.executions += starts
                guard repeats > 0 else { continue }
                figures.repeats += repeats
                if report.count < 20 {
                    let lines = ledger.lines(run: job.run, subrun: subrun)
                    let at = lines.filter(\.isStart).dropFirst().first?.time ?? Date()
                    report.append(finding("REPEAT: \(job.id) subrun \(subrun) ran \(starts) times, \(repeats) beyond its retries",
                                          pass: pass, ledgerLines: lines.map(\.text), at: at, events: events))
                }
            }
            if !pass.status.isEnd && report.count < 20 {
                let lines = pass.subjobs.flatMap { subjob in ledger.lines(run: job.run, subrun: subjob.subrun ?? 0).map { "subrun \(subjob.subrun ?? 0): \($0.text)" } }
                report.append(finding("NOT ENDED: \(job.id) is \(pass.status.rawValue) at \(pass.site ?? "no site") at the deadline",
                                      pass: pass, ledgerLines: lines, at: Date(), events: events))
            }
        }
        let stranded = strands.withLock { $0 }.values.sorted { $0.since < $1.since }
        figures.stranded = stranded.count
        for strand in stranded.prefix(10) {
            let lines = [0, 1].flatMap { subrun in ledger.lines(run: strand.run, subrun: subrun).map { "subrun \(subrun): \($0.text)" } }
            let now = jobs.first { $0.id == strand.job }?.passes.first
            let title = String(format: "STRANDED: %@ attempt %d at %@ was %@ %.1f s after its batch jobs ended (bound %.1f s); now %@",
                               strand.job, strand.attempt, strand.site, strand.status, strand.longest, benchmark.strandBound,
                               now?.status.rawValue ?? "?")
            report.append(finding(title, history: strand.history, subjobs: strand.subjobs, ledgerLines: lines, at: strand.since, events: events))
        }
        for row in try await database.allDocs(.prefix("site:", includeDocs: true)).rows {
            if let json = row.doc, let site = try? SiteDocument(json: json) { figures.fencedWrites += site.fencedWrites }
        }
        for site in fleet.sites {
            let text = (try? String(contentsOf: fleet.log(of: site), encoding: .utf8)) ?? ""
            figures.fencedWritesLogged += text.split(separator: "\n").filter { $0.contains("\"message\":\"write refused by the fencing rule\"") }.count
        }
        let (takeovers, ratios) = Self.takeovers(sightings: sightings.withLock { $0 }, events: events, lease: benchmark.leaseSeconds)
        figures.takeovers = takeovers
        figures.takeoverRatios = ratios
        figures.allEnded = allEnded
        figures.findings = report
        return figures
    }

    /// Takeovers (a holder at a higher epoch than any seen before, after the first), each timed
    /// from the last disruption that struck the holder since the previous takeover, over the
    /// lease seconds; a takeover without such a disruption is counted but not timed.
    static func takeovers(sightings: [LeaseSighting], events: [ChaosEvent], lease: Double) -> (count: Int, ratios: [Double]) {
        var highest: Int64?
        var previous: ContinuousClock.Instant?
        var count = 0
        var ratios: [Double] = []
        for sighting in sightings {
            guard sighting.holder != nil, let epoch = sighting.epoch else { continue }
            guard let top = highest, let since = previous else {
                highest = epoch
                previous = sighting.instant
                continue
            }
            guard epoch > top else { continue }
            count += 1
            if let cause = events.last(where: {
                $0.kind.strikesHolder && $0.instant > since && $0.instant < sighting.instant && ($0.epoch ?? .max) < epoch
            }) {
                ratios.append(cause.instant.duration(to: sighting.instant).secondsValue / lease)
            }
            highest = epoch
            previous = sighting.instant
        }
        return (count, ratios)
    }

    // MARK: - Findings

    func finding(_ title: String, pass: Pass, ledgerLines: [String], at date: Date, events: [ChaosEvent]) -> String {
        finding(title, history: pass.history, subjobs: pass.subjobs, ledgerLines: ledgerLines, at: date, events: events)
    }

    /// A finding for people: the pass history, its subjobs, the ledger lines, the disruptions
    /// in the 20 s before `date`, and the workers' log lines in the 4 s around it.
    func finding(_ title: String, history: [HistoryEntry], subjobs: [Subjob], ledgerLines: [String], at date: Date,
                 events: [ChaosEvent]) -> String {
        var out = [title, "  history:"]
        out += history.map { "    \($0.time) \($0.from?.rawValue ?? "-") → \($0.to.rawValue) site=\($0.site ?? "-") epoch=\($0.epoch.map(String.init) ?? "-") \($0.reason ?? "")" }
        out.append("  subjobs:")
        out += subjobs.map { "    \($0.json.serialized())" }
        out.append("  ledger:")
        out += ledgerLines.map { "    " + $0 }
        out.append("  disruptions in the 20 s before \(Self.format(date)):")
        out += events.filter { $0.date <= date.addingTimeInterval(1) && $0.date > date.addingTimeInterval(-20) }.map {
            "    \(Self.format($0.date)) \($0.kind.rawValue) \($0.site ?? "") epoch=\($0.epoch.map(String.init) ?? "-") \($0.detail)"
        }
        out.append("  worker log lines within 2 s of \(Self.format(date)):")
        out += logLines(around: date, seconds: 2).prefix(60).map { "    " + $0 }
        return out.joined(separator: "\n")
    }

    /// Every worker's log lines written within `seconds` of `date`, in time order.
    func logLines(around date: Date, seconds: Double) -> [String] {
        var lines: [(Date, String)] = []
        for site in fleet.sites {
            guard let text = try? String(contentsOf: fleet.log(of: site), encoding: .utf8) else { continue }
            for line in text.split(separator: "\n") {
                guard let json = try? JSONParser.parse(Array(line.utf8)), let time = json["time"]?.stringValue.flatMap(Self.parseTime),
                      abs(time.timeIntervalSince(date)) <= seconds else { continue }
                lines.append((time, String(line)))
            }
        }
        return lines.sorted { $0.0 < $1.0 }.map(\.1)
    }

    static func parseTime(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }

    static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}

/// A change of the lease's holder or epoch, as the benchmark saw it.
struct LeaseSighting: Sendable {
    var instant: ContinuousClock.Instant
    var date: Date
    /// The epoch; nil while the document is deleted.
    var epoch: Int64?
    var holder: LeaseHolder?
}

/// A pass seen still submitted or running beyond the bound after its batch jobs ended.
struct ChaosStrand: Sendable {
    var job: String
    var run: Int
    var attempt: Int
    var site: String
    /// When its batch jobs' ledger said `end`.
    var ended: Date
    /// From when the bound counted: the end, or its site's worker's restart or resumption.
    var since: Date
    /// When it was first seen beyond the bound.
    var seen: Date
    /// The longest it was seen waiting, seconds.
    var longest: Double
    var status: String
    var subjobs: [Subjob]
    var history: [HistoryEntry]
}
