import CouchDB
import Foundation
import JSON
import Lease
import Worker

/// `gasp bench failover`: real `gasp worker` processes on one store.
///
/// - Takeover: three hold-mode workers; the holder is SIGKILLed at a random point of its
///   renewal period, and the time until another site holds the lease (read every 10 ms) is
///   divided by the lease seconds. The killed worker is started again, so three contend each
///   time. Repeated `killsPerLease` times for every lease length.
/// - Rotate hand-off: three rotate-mode workers; the time from one holder's release to the
///   next holder's acquisition, from the lease document's own history (one machine, one clock).
/// - Idle footprint: one worker holding the lease with nothing to do, and one standing by:
///   resident memory and CPU share over `idleSeconds`.
public struct FailoverBenchmark: Sendable {
    /// The lease lengths tried, in seconds.
    public var leaseSeconds: [Double]
    /// Holder kills per lease length.
    public var killsPerLease: Int
    /// Rotate hand-offs measured.
    public var handOffs: Int
    /// How long the idle workers are watched.
    public var idleSeconds: Double
    /// The `gasp` executable to start workers from.
    public var executable: URL

    /// A benchmark with the given sizes.
    public init(leaseSeconds: [Double], killsPerLease: Int, handOffs: Int, idleSeconds: Double, executable: URL) {
        self.leaseSeconds = leaseSeconds
        self.killsPerLease = killsPerLease
        self.handOffs = handOffs
        self.idleSeconds = idleSeconds
        self.executable = executable
    }

    /// What was measured.
    public struct Figures: Sendable {
        /// Takeover time over lease seconds, one per kill.
        public var takeoverRatios: [Double]
        /// Release-to-acquire times of rotate hand-offs.
        public var handOffs: LatencySamples
        /// Resident memory of the idle holder and standby, in bytes.
        public var idleHolderBytes: Int
        public var idleStandbyBytes: Int
        /// CPU share of the idle holder and standby, in percent of one core.
        public var idleHolderCPU: Double
        public var idleStandbyCPU: Double
    }

    /// Runs everything on `client`'s server at `url` (admin credentials in it), in a scratch
    /// database that `prepare` readies (installs the design documents, the fencing rule among
    /// them), printing progress.
    public func run(
        client: CouchClient, url: String, prepare: @Sendable (CouchDatabase) async throws -> Void,
        progress: @escaping @Sendable (String) -> Void
    ) async throws -> Figures {
        let server = try ServerCredentials(url: url)
        let (base, user, password) = (server.base, server.user, server.password)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gasp-bench-failover-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        return try await withScratchDatabase(on: client, prefix: "gasp_bench_failover") { database in
            try await prepare(database)
            return try await measure(database: database, base: base, user: user, password: password, directory: directory, progress: progress)
        }
    }

    func measure(
        database: CouchDatabase, base: String, user: String, password: String, directory: URL,
        progress: @escaping @Sendable (String) -> Void
    ) async throws -> Figures {
        var environment = ProcessInfo.processInfo.environment
        environment["GASP_BENCH_PASSWORD"] = password
        func workers(_ sites: [String], _ worker: String) throws -> [WorkerChildProcess] {
            try sites.map { site in
                let yaml = """
                    site: \(site)
                    couchdb: {url: "\(base)", database: \(database.name), user: \(user), password_env: GASP_BENCH_PASSWORD}
                    worker: \(worker)

                    """
                return try WorkerChildProcess(site: site, yaml: yaml, directory: directory, executable: executable, environment: environment)
            }
        }

        var ratios: [Double] = []
        for lease in leaseSeconds {
            let scope = "takeover-\(Int(lease))"
            let fleet = try workers(["a", "b", "c"].map { "\(scope)-\($0)" },
                                    "{lease: {scope: \(scope), seconds: \(lease), mode: hold}, heartbeat_seconds: 1, cycle_seconds: 1}")
            for worker in fleet { try worker.start() }
            for kill in 1...killsPerLease {
                let held = try await waitForHolder(database, scope: scope, excluding: nil, within: lease * 4 + 10)
                // Kill at a random point of the renewal period: wait for a renewal, then a random part of lease/3.
                _ = try await waitForChange(database, scope: scope, from: held.rev, within: lease)
                try await Task.sleep(for: .milliseconds(Int.random(in: 0...Int(lease * 1000 / 3))))
                guard let current = try await readLease(database, scope: scope), let holder = current.holder,
                      let victim = fleet.first(where: { $0.site == holder.site })
                else { continue }
                let killedAt = ContinuousClock.now
                victim.signal(SIGKILL)
                _ = try await waitForHolder(database, scope: scope, excluding: holder, within: lease * 3 + 10)
                let ratio = killedAt.duration(to: .now).secondsValue / lease
                ratios.append(ratio)
                progress("lease \(lease) s, kill \(kill)/\(killsPerLease): takeover \(String(format: "%.3f", ratio)) × lease")
                try victim.start()
            }
            for worker in fleet { worker.signal(SIGKILL) }
        }

        // Rotate hand-offs.
        let rotate = try workers(["r-a", "r-b", "r-c"], "{lease: {scope: rotate, seconds: 10, mode: rotate}, heartbeat_seconds: 1, cycle_seconds: 0.2}")
        for worker in rotate { try worker.start() }
        var released: [Int64: Date] = [:]
        var acquired: [Int64: Date] = [:]
        let deadline = ContinuousClock.now.advanced(by: .seconds(Double(handOffs) * 3 + 60))
        var samples = LatencySamples()
        // Skip the first hand-offs, made before every site has seen the others beat.
        let warmup: Int64 = 6
        while samples.count < handOffs && ContinuousClock.now < deadline {
            if let lease = try await readLease(database, scope: "rotate") {
                for entry in lease.lastHolders {
                    if let time = entry.released.flatMap(Self.parseTime) { released[entry.epoch] = time }
                    if let time = entry.acquired.flatMap(Self.parseTime) { acquired[entry.epoch] = time }
                }
                samples = LatencySamples()
                for (epoch, start) in released where epoch > warmup {
                    if let end = acquired[epoch + 1] { samples.add(.milliseconds(Int((end.timeIntervalSince(start) * 1000).rounded()))) }
                }
            }
            try await Task.sleep(for: .milliseconds(500))
        }
        progress("rotate: \(samples.count) hand-offs")
        for worker in rotate { worker.signal(SIGKILL) }

        // Idle footprint.
        let idle = try workers(["idle-a", "idle-b"], "{lease: {scope: idle, seconds: 15, mode: hold}, heartbeat_seconds: 5, cycle_seconds: 30}")
        for worker in idle { try worker.start() }
        let holder = try await waitForHolder(database, scope: "idle", excluding: nil, within: 30)
        try await Task.sleep(for: .seconds(5))
        let idleHolder = idle.first { $0.site == holder.holder?.site }!
        let idleStandby = idle.first { $0.site != holder.holder?.site }!
        let startCPU = (idleHolder.cpuSeconds ?? 0, idleStandby.cpuSeconds ?? 0)
        let started = ContinuousClock.now
        progress("idle: watching two workers for \(idleSeconds) s")
        try await Task.sleep(for: .seconds(idleSeconds))
        let elapsed = started.duration(to: .now).secondsValue
        let figures = Figures(
            takeoverRatios: ratios, handOffs: samples,
            idleHolderBytes: idleHolder.residentBytes ?? 0, idleStandbyBytes: idleStandby.residentBytes ?? 0,
            idleHolderCPU: ((idleHolder.cpuSeconds ?? 0) - startCPU.0) / elapsed * 100,
            idleStandbyCPU: ((idleStandby.cpuSeconds ?? 0) - startCPU.1) / elapsed * 100)
        for worker in idle { worker.signal(SIGKILL) }
        return figures
    }

    /// The figures as a table.
    public static func table(_ figures: Figures, kills: Int) -> BenchmarkTable {
        let sorted = figures.takeoverRatios.sorted()
        func percentile(_ p: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            return sorted[min(sorted.count - 1, max(0, Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1))]
        }
        return BenchmarkTable(title: "gasp bench failover (\(kills) holder kills; \(figures.handOffs.count) rotate hand-offs)", rows: [
            .init(name: "takeover / lease seconds, p50", unit: "×", higherIsBetter: false, embedded: percentile(50), goal: nil),
            .init(name: "takeover / lease seconds, p99", unit: "×", higherIsBetter: false, embedded: percentile(99), goal: 1.15),
            .init(name: "takeover / lease seconds, max", unit: "×", higherIsBetter: false, embedded: sorted.last ?? 0, goal: nil),
            .init(name: "rotate hand-off p50", unit: "ms", higherIsBetter: false, embedded: figures.handOffs.percentileMilliseconds(50), goal: nil),
            .init(name: "rotate hand-off p99", unit: "ms", higherIsBetter: false, embedded: figures.handOffs.percentileMilliseconds(99), goal: 1000),
            .init(name: "idle holder resident memory", unit: "MB", higherIsBetter: false, embedded: Double(figures.idleHolderBytes) / 1e6, goal: 30),
            .init(name: "idle standby resident memory", unit: "MB", higherIsBetter: false, embedded: Double(figures.idleStandbyBytes) / 1e6, goal: 30),
            .init(name: "idle holder CPU", unit: "%", higherIsBetter: false, embedded: figures.idleHolderCPU, goal: 0.5),
            .init(name: "idle standby CPU", unit: "%", higherIsBetter: false, embedded: figures.idleStandbyCPU, goal: 0.5),
        ])
    }

    // MARK: - Reading the lease

    func readLease(_ database: CouchDatabase, scope: String) async throws -> LeaseDocument? {
        try await database.getIfExists(LeaseDocument.id(scope: scope)).map { try LeaseDocument(json: $0) }
    }

    /// Polls every 10 ms until a holder other than `excluded` holds the lease.
    func waitForHolder(_ database: CouchDatabase, scope: String, excluding excluded: LeaseHolder?, within seconds: Double) async throws -> LeaseDocument {
        let deadline = ContinuousClock.now.advanced(by: .seconds(seconds))
        while ContinuousClock.now < deadline {
            if let lease = try await readLease(database, scope: scope), let holder = lease.holder, holder != excluded { return lease }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw BenchmarkError("no new holder of lease:\(scope) within \(seconds) s")
    }

    /// Polls every 10 ms until the lease document's revision differs from `rev`.
    func waitForChange(_ database: CouchDatabase, scope: String, from rev: String?, within seconds: Double) async throws -> LeaseDocument {
        let deadline = ContinuousClock.now.advanced(by: .seconds(seconds))
        while ContinuousClock.now < deadline {
            if let lease = try await readLease(database, scope: scope), lease.rev != rev { return lease }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw BenchmarkError("lease:\(scope) did not change within \(seconds) s")
    }

    static func parseTime(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}
