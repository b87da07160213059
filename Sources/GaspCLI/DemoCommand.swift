import ArgumentParser
import CouchDB
import EmbeddedCouch
import Foundation
import JSON
import Logging
import Synchronization

/// `gasp demo`: for newcomers, a whole fleet on one machine: the embedded store, the design
/// documents, a module catalogue of small shell scripts, sample runs and their passes, and three
/// site workers processing them, the lease holder killed midway and replaced, its old epoch
/// fenced off, every pass completed once.
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
                try await DemoFleet(database: database, url: url, password: password, directory: directory).run()
                try await client.shutdown()
            } catch {
                try? await client.shutdown()
                throw error
            }
            guard wait else {
                say(removeAtExit
                    ? "\nThe store stops and its data is removed now; run `gasp demo --keep-running --data DIR` to look around afterwards."
                    : "\nThe store stops now; its data stays in \(directory.path).")
                return
            }
            say("""

                Reach it yourself:
                  curl -u admin:\(password) \(url)/gasp-demo/lease:processing
                  curl -u admin:\(password) '\(url)/gasp-demo/_design/passes/_view/by_status_module?group_level=2'
                  curl -u admin:\(password) \(url)/gasp-demo/job:Processing:0000300000
                  curl -u admin:\(password) '\(url)/gasp-demo/_all_docs?startkey="site:"&endkey="site:~"&include_docs=true'
                  .build/debug/gasp status --url \(url) --db gasp-demo   (with GASP_COUCHDB_USER=admin GASP_COUCHDB_PASSWORD=\(password))

                Serving until you press Ctrl-C.
                """)
            try await waitForInterrupt()
        }
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
