import ArgumentParser
import Benchmarks
import Bootstrap
import CouchDB
import Foundation

/// `gasp bench chaos`.
struct ChaosBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chaos",
        abstract: "A real fleet under random kills, pauses, lease deletions and drains: counts repeated executions and stranded passes.",
        discussion: """
            Starts three `gasp worker` processes (this executable; hold mode, 3 s lease, local batch backend) against an embedded store on a loopback port, or against GASP_TEST_COUCHDB_URL when --couchdb is given, feeds them passes whose batch jobs write a ledger of every execution, and applies the disruptions one at a time, 1 to 2 s apart. With the defaults it takes about ten minutes. Exits with status 1 when a batch job ran more often than its pass's recorded retries explain, or a pass was stranded (left submitted or running after its jobs ended) or did not end; the workers' logs and the ledger are then kept and their directory printed.
            """
    )

    @Option(help: "Disruptions to apply.")
    var disruptions: Int = 200

    @Option(help: "Seed of the random choices (default: a random one, printed).")
    var seed: UInt64?

    @Flag(help: "Run against GASP_TEST_COUCHDB_URL instead of an embedded store.")
    var couchdb = false

    @Option(help: "The Views directory (default: $GASP_VIEWS, ./Views, or the one beside the gasp executable).")
    var views: String?

    func validate() throws {
        guard disruptions >= 1 else { throw ValidationError("--disruptions: at least 1") }
    }

    func run() async throws {
        #if DEBUG
        print("note: this is a debug build; use `swift run -c release gasp bench chaos` for the figures of record")
        #endif
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let benchmark = ChaosBenchmark(disruptions: disruptions, seed: seed ?? UInt64.random(in: 1...999_999), executable: executable)
        let figures = try await measureFleet(label: "chaos", views: views, couchdb: couchdb) { client, url, prepare, progress in
            try await benchmark.run(client: client, url: url, prepare: prepare, progress: progress)
        }
        print(benchmark.table(figures).rendered(), terminator: "")
        guard !figures.goalsMet else { return }
        print("\nGoals missed. Workers' logs and the ledger: \(figures.directory)\n")
        print(figures.findings.joined(separator: "\n\n"))
        throw ExitCode.failure
    }
}
