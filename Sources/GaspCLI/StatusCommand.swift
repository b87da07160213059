import ArgumentParser
import Foundation
import GaspWorkerCommand
import Lease
import Worker

/// `gasp status`: who holds the lease, and how every site is doing.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the lease holder, its epoch and last renewal, and every site's heartbeat.",
        discussion: "Reads only; needs no lease. --json prints one object for scripts. Exit status 0 when the lease was renewed (or, in rotate mode, handed on) within its lease seconds and no problem was found; 3 when the lease is free or overdue; 4 when problems are listed (passes nobody follows, batch jobs of reset passes not yet cancelled, writes refused by the fencing rule, two workers under one site name, an enabled site stopped or not heartbeating); 1 on errors."
    )

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "The database (default: the configuration's couchdb.database).")
    var db: String?

    @Option(help: "The lease scope (default: the configuration's worker.lease.scope, else processing).")
    var scope: String?

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() async throws {
        let site = try connection.siteConfiguration()
        guard let database = db ?? site?.couchdb.database else {
            throw ValidationError("name the database with --db or --config")
        }
        let client = try connection.makeClient()
        let status: FleetStatus
        do {
            status = try await FleetStatus.read(database: client.database(database), scope: scope ?? site?.worker.leaseScope ?? "processing")
            try await client.shutdown()
        } catch {
            try? await client.shutdown()
            throw ExitMessage("gasp status: \(error)")
        }
        print(json ? status.json.serialized() : status.table, terminator: json ? "\n" : "")
        // Healthy: renewed within its lease; in rotate mode a lease between turns counts too.
        let fresh = (status.leaseAge ?? .infinity) <= (status.lease?.leaseSeconds ?? 0) * 1.05
        let healthy = fresh && (status.lease?.holder != nil || status.lease?.mode == .rotate)
        if !healthy { throw ExitCode(3) }
        if !status.problems.isEmpty { throw ExitCode(4) }
    }
}
