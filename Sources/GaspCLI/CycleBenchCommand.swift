import ArgumentParser
import Benchmarks
import Bootstrap
import CouchDB
import Foundation

/// `gasp bench cycle`.
struct CycleBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cycle",
        abstract: "Claim + submit throughput of the gasp cycle with a batch backend that does nothing, and an idle cycle over many jobs.",
        discussion: "On an embedded store on a loopback port; with GASP_TEST_COUCHDB_URL set, the same figures for that server in the same run."
    )

    @Option(help: "Waiting passes to claim and submit.")
    var passes: Int = 10_000

    @Option(help: "Job documents behind the idle cycle.")
    var idleJobs: Int = 100_000

    @Option(help: "The Views directory (default: $GASP_VIEWS, ./Views, or the one beside the gasp executable).")
    var views: String?

    func run() async throws {
        #if DEBUG
        print("note: this is a debug build; figures are only meaningful from `swift run -c release gasp bench cycle`")
        #endif
        let source = try DesignDocumentSource.load(from: try ViewsDirectory.locate(explicit: views))
        let benchmark = CycleBenchmark(passes: passes, idleJobs: idleJobs)
        let prepare: @Sendable (CouchDatabase) async throws -> Void = { database in
            let bootstrapper = Bootstrapper(documents: source)
            try await bootstrapper.apply(try await bootstrapper.plan(client: database.client, databases: [database.name]), client: database.client)
        }
        let (embedded, reference) = try await measureOnEmbeddedAndReference {
            try await benchmark.run(on: $0, prepare: prepare, progress: $1)
        }
        print(CycleBenchmark.table(embedded, passes: passes, idleJobs: idleJobs).rendered(), terminator: "")
        if let reference {
            print("\nGASP_TEST_COUCHDB_URL:")
            print(CycleBenchmark.table(reference, passes: passes, idleJobs: idleJobs).rendered(), terminator: "")
        }
    }
}
