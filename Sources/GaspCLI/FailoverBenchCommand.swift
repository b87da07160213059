import ArgumentParser
import Benchmarks
import Bootstrap
import CouchDB
import Foundation

/// `gasp bench failover`.
struct FailoverBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "failover",
        abstract: "Takeover time after killing the lease holder, rotate hand-off latency, idle worker memory and CPU.",
        discussion: """
            Starts real `gasp worker` processes (this executable) against an embedded store on a loopback port, or against GASP_TEST_COUCHDB_URL when --couchdb is given. With the defaults it kills the holder 50 times (10 at each lease length of 2, 4, 6, 8 and 10 s) and takes about eight minutes.
            """
    )

    @Option(help: "Lease lengths to try, in seconds, comma-separated.")
    var leaseSeconds: String = "2,4,6,8,10"

    @Option(help: "Holder kills per lease length.")
    var kills: Int = 10

    @Option(help: "Rotate hand-offs to measure.")
    var handOffs: Int = 100

    @Option(help: "Seconds to watch idle workers.")
    var idleSeconds: Double = 30

    @Flag(help: "Run against GASP_TEST_COUCHDB_URL instead of an embedded store.")
    var couchdb = false

    @Option(help: "The Views directory (default: $GASP_VIEWS, ./Views, or the one beside the gasp executable).")
    var views: String?

    func run() async throws {
        #if DEBUG
        print("note: this is a debug build; figures are only meaningful from `swift run -c release gasp bench failover`")
        #endif
        let leases = leaseSeconds.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !leases.isEmpty, leases.allSatisfy({ $0 >= 1 }) else { throw ValidationError("--lease-seconds: a list of numbers of at least 1") }
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let benchmark = FailoverBenchmark(
            leaseSeconds: leases, killsPerLease: kills, handOffs: handOffs, idleSeconds: idleSeconds, executable: executable)
        let figures = try await measureFleet(label: "failover", views: views, couchdb: couchdb) { client, url, prepare, progress in
            try await benchmark.run(client: client, url: url, prepare: prepare, progress: progress)
        }
        print(FailoverBenchmark.table(figures, kills: figures.takeoverRatios.count).rendered(), terminator: "")
    }
}
