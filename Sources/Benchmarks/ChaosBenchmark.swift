import CouchDB
import Foundation

/// `gasp bench chaos`: a real fleet under random disruptions, judged by what physically ran.
///
/// Three hold-mode `gasp worker` processes with the local batch backend work through passes
/// fed in batches so that there is always work. Every batch job appends `start a<attempt>` and
/// `end a<attempt>` to a ledger file of its (run, subrun) around a sleep of 0.2 to 2 s, so
/// disruptions hit running work. Then `disruptions` disruptions (``ChaosDisruption``), chosen
/// with `seed`, are applied one at a time, 1 to 2 s apart: the holder or a standby SIGKILLed
/// and restarted within a second, the holder SIGSTOPped for less or more than the lease, held
/// at a fail point between its claims and its submissions, the lease document deleted, the
/// holder drained and later undrained. `dead_after_seconds` is longer than any pause, so no
/// site is ever declared dead: every execution beyond one per attempt, or beyond what a
/// recorded retry or reset explains, is a bug, and so is a pass left submitted or running
/// longer than ``strandBound`` after its batch jobs ended while its site's worker was running.
public struct ChaosBenchmark: Sendable {
    /// How many disruptions are applied.
    public var disruptions: Int
    /// The seed of every random choice (disruption kinds, sites, durations, spacing).
    public var seed: UInt64
    /// The `gasp` executable the workers are started from.
    public var executable: URL
    /// The workers' lease, heartbeat and cycle, in seconds.
    public var leaseSeconds: Double = 3
    public var heartbeatSeconds: Double = 0.5
    public var cycleSeconds: Double = 0.3
    /// Longer than any pause of the run, so that no site is ever declared dead.
    public var deadAfterSeconds: Double = 60
    /// Batch jobs each site runs at once.
    public var capacity: Int = 6
    /// The longest a batch job sleeps.
    public let longestJobSeconds: Double = 2
    /// How long the end waits for every pass to reach an end state.
    public var finalWaitSeconds: Double = 180

    /// A run of `disruptions` disruptions chosen with `seed`, workers started from `executable`.
    public init(disruptions: Int, seed: UInt64, executable: URL) {
        self.disruptions = disruptions
        self.seed = seed
        self.executable = executable
    }

    /// How long a pass may stay submitted or running after its batch jobs ended (and its site's
    /// worker runs): three cycles, the lease (a restarted worker's first heartbeats) and the
    /// longest job.
    public var strandBound: Double { 3 * cycleSeconds + leaseSeconds + longestJobSeconds }

    /// What a run found.
    public struct Figures: Sendable {
        /// Disruptions applied, by kind.
        public var applied: [ChaosDisruption: Int] = [:]
        /// Disruptions that found nothing to act on (no live holder, a fail point not reached).
        public var skipped = 0
        /// Passes enqueued, and found in the database at the end.
        public var enqueued = 0
        public var passes = 0
        /// Batch job executions counted from the ledger.
        public var executions = 0
        /// Executions beyond the intended ones (goal 0).
        public var repeats = 0
        /// Passes seen stranded beyond the bound (goal 0).
        public var stranded = 0
        /// Passes not in an end state when the final wait ended (goal 0).
        public var unfinished: [String] = []
        /// Whether every pass reached an end state within the final wait.
        public var allEnded = false
        /// For each completed pass, the time from its batch jobs' last `end` to its
        /// `completed` entry (disruptions of its site's worker included).
        public var completionLags = LatencySamples()
        /// Passes completed, and in another end state.
        public var completed = 0
        public var failed = 0
        /// Changes of lease holder seen, and the timed ones over the lease seconds.
        public var takeovers = 0
        public var takeoverRatios: [Double] = []
        /// The sum of `fenced_writes` over the site documents at the end, and the refusals the
        /// workers logged (a restarted worker starts its document's count again).
        public var fencedWrites = 0
        public var fencedWritesLogged = 0
        /// Wall time of the run, seconds.
        public var seconds = 0.0
        /// The directory with the workers' logs and the ledger.
        public var directory = ""
        /// Every repeat, strand and unfinished pass, described for people.
        public var findings: [String] = []

        /// Whether no pass ran more often than intended and none was stranded or left unfinished.
        public var goalsMet: Bool { repeats == 0 && stranded == 0 && unfinished.isEmpty }
    }

    /// Runs the benchmark on `client`'s server at `url` (admin credentials in it), in a scratch
    /// database that `prepare` readies (installs the design documents, the fencing rule among
    /// them), printing progress. The workers' logs and the ledger are kept when a goal is
    /// missed (``Figures/directory``), removed otherwise.
    public func run(
        client: CouchClient, url: String, prepare: @Sendable (CouchDatabase) async throws -> Void,
        progress: @escaping @Sendable (String) -> Void
    ) async throws -> Figures {
        let server = try ServerCredentials(url: url)
        let (base, user, password) = (server.base, server.user, server.password)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gasp-bench-chaos-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let figures: Figures
        do {
            figures = try await withScratchDatabase(on: client, prefix: "gasp_bench_chaos") { database in
                try await prepare(database)
                let run = try ChaosRun(
                    benchmark: self, database: database, base: base, user: user, password: password, directory: directory,
                    progress: progress)
                return try await run.run()
            }
        } catch {
            progress("the run failed; the workers' logs and the ledger are in \(directory.path)")
            throw error
        }
        if figures.goalsMet { try? FileManager.default.removeItem(at: directory) }
        return figures
    }

    /// The figures as a table.
    public func table(_ figures: Figures) -> BenchmarkTable {
        let sorted = figures.takeoverRatios.sorted()
        func percentile(_ p: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            return sorted[min(sorted.count - 1, max(0, Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1))]
        }
        func count(_ name: String, _ value: Int, goal: Double? = nil) -> BenchmarkTable.Row {
            .init(name: name, unit: "", higherIsBetter: false, embedded: Double(value), goal: goal, isCount: true)
        }
        let applied = figures.applied.values.reduce(0, +)
        var rows = [count("disruptions applied", applied)]
        rows += ChaosDisruption.allCases.map { count("  " + $0.rawValue, figures.applied[$0] ?? 0) }
        rows += [
            count("  skipped: nothing to act on", figures.skipped),
            count("passes", figures.passes),
            count("subjob executions (ledger)", figures.executions),
            count("repeats beyond intended retries", figures.repeats, goal: 0),
            .init(name: String(format: "passes stranded > %.1f s after their jobs ended", strandBound), unit: "",
                  higherIsBetter: false, embedded: Double(figures.stranded), goal: 0, isCount: true),
            count("passes not ended at the final wait", figures.unfinished.count, goal: 0),
            count("passes completed", figures.completed),
            .init(name: "batch jobs ended → pass completed, p50", unit: "s", higherIsBetter: false,
                  embedded: figures.completionLags.percentileMilliseconds(50) / 1000, goal: nil),
            .init(name: "batch jobs ended → pass completed, p99", unit: "s", higherIsBetter: false,
                  embedded: figures.completionLags.percentileMilliseconds(99) / 1000, goal: nil),
            .init(name: "batch jobs ended → pass completed, max", unit: "s", higherIsBetter: false,
                  embedded: figures.completionLags.percentileMilliseconds(100) / 1000, goal: nil),
            count("passes failed (another end state)", figures.failed),
            count("takeovers seen", figures.takeovers),
            .init(name: "takeover / lease seconds, p50", unit: "×", higherIsBetter: false, embedded: percentile(50), goal: nil),
            .init(name: "takeover / lease seconds, p99", unit: "×", higherIsBetter: false, embedded: percentile(99), goal: nil),
            count("writes refused by the fencing rule (site documents)", figures.fencedWrites),
            count("writes refused by the fencing rule (worker logs)", figures.fencedWritesLogged),
            .init(name: "run time", unit: "s", higherIsBetter: false, embedded: figures.seconds, goal: nil),
        ]
        return BenchmarkTable(
            title: "gasp bench chaos (\(disruptions) disruptions, seed \(seed); lease \(Self.seconds(leaseSeconds)) s, "
                + "heartbeat \(Self.seconds(heartbeatSeconds)) s, cycle \(Self.seconds(cycleSeconds)) s, dead after \(Self.seconds(deadAfterSeconds)) s)",
            rows: rows)
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}
