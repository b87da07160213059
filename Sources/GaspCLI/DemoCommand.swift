import ArgumentParser
import CouchDB
import EmbeddedCouch
import Foundation
import JSON
import Logging
import Synchronization

/// `gasp demo`: for newcomers, a whole fleet on one machine: the embedded store, the design
/// documents, sample runs, and three site workers contending for the lease, the holder killed
/// midway and replaced, its old epoch fenced off.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run a fleet of three site workers on the embedded store: lease, failover, fencing."
    )

    @Option(help: "Keep the store's data in this directory (default: a temporary one, removed at exit).")
    var data: String?

    @Option(help: "Port to listen on (0 picks a free one).")
    var port: Int = 0

    @Flag(help: "Keep serving after the demo until interrupted (the default on a terminal).")
    var keepRunning = false

    @Flag(help: "Exit as soon as the demo has run, even on a terminal.")
    var noWait = false

    func run() async throws {
        let directory = data.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("gasp-demo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let removeAtExit = data == nil
        defer { if removeAtExit { try? FileManager.default.removeItem(at: directory) } }

        let password = String(UUID().uuidString.prefix(8)).lowercased()
        var configuration = EmbeddedCouchConfiguration(dataDirectory: directory.path)
        configuration.port = port
        configuration.admin = ServerAdmin(name: "admin", password: password)
        var logger = Logger(label: "gasp.demo")
        logger.logLevel = .warning
        let wait = keepRunning || (!noWait && isatty(STDIN_FILENO) == 1)

        try await EmbeddedCouchServer.withRunning(configuration: configuration, logger: logger) { port in
            let url = "http://127.0.0.1:\(port)"
            say("1. Started the embedded CouchDB-compatible store at \(url) (data in \(directory.path)).")
            let client = try CouchClient(url: url, credentials: .basic(name: "admin", password: password))
            do {
                let database = client.database("gasp-demo")
                try await DemoFleet.installViews(client: client, database: database.name)
                try await Self.registerRuns(database)
                try await DemoFleet(database: database, url: url, password: password, directory: directory).run()
                try await client.shutdown()
            } catch {
                try? await client.shutdown()
                throw error
            }
            say("""

                Reach it yourself:
                  curl -u admin:\(password) \(url)/gasp-demo/lease:processing
                  curl -u admin:\(password) '\(url)/gasp-demo/_all_docs?startkey="site:"&endkey="site:~"&include_docs=true'
                  GASP_COUCHDB_USER=admin GASP_COUCHDB_PASSWORD=\(password) gasp status --url \(url) --db gasp-demo
                """)
            if wait {
                say("\nServing until you press Ctrl-C.")
                try await waitForInterrupt()
            }
        }
    }

    static func registerRuns(_ database: CouchDatabase) async throws {
        let runs: [JSONValue] = (0..<5).map { i in
            let number = 300_000 + i
            return [
                "_id": .string("run:" + String(format: "%010d", number)), "type": "run", "run": .int(number),
                "run_type": i == 2 ? "PCA" : "Physics", "complete": true, "processing_status": "pending",
            ]
        }
        let results = try await database.bulkDocs(runs)
        say("3. Registered \(results.filter { $0.rev != nil }.count) sample runs in one _bulk_docs request (run:0000300000 … run:0000300004).")
    }
}

/// Prints a line of the demo's story.
func say(_ line: String) {
    print(line)
}

/// Suspends until SIGINT or SIGTERM arrives.
func waitForInterrupt() async throws {
    let signals = [SIGINT, SIGTERM]
    let sources = signals.map { signal -> any DispatchSourceSignal in
        Foundation.signal(signal, SIG_IGN)
        return DispatchSource.makeSignalSource(signal: signal, queue: .global())
    }
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
        let once = OnceFlag()
        for source in sources {
            source.setEventHandler {
                if once.claim() { continuation.resume() }
            }
            source.resume()
        }
    }
    for source in sources { source.cancel() }
}

/// A flag that can be claimed once, from any thread.
final class OnceFlag: Sendable {
    private let claimed = Mutex(false)

    func claim() -> Bool {
        claimed.withLock { claimed in
            defer { claimed = true }
            return !claimed
        }
    }
}
