import ArgumentParser
import CouchDB
import EmbeddedCouch
import Foundation
import JSON
import Logging
import Synchronization

/// `gasp demo`: the embedded store with sample data, for newcomers. Later stages grow it into a
/// whole fleet; today it shows the store and the compare-and-swap write the lease is built on.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Start the embedded store with sample data and show how to reach it."
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
                try await Self.showStore(client)
                try await client.shutdown()
            } catch {
                try? await client.shutdown()
                throw error
            }
            say("""

                Reach it yourself:
                  curl -u admin:\(password) \(url)/gasp-demo/_all_docs
                  curl -u admin:\(password) '\(url)/gasp-demo/_changes?since=0'
                """)
            if wait {
                say("\nServing until you press Ctrl-C.")
                try await waitForInterrupt()
            }
        }
    }

    static func showStore(_ client: CouchClient) async throws {
        let database = client.database("gasp-demo")
        try await database.create()
        say("2. Created the database gasp-demo.")

        let runs: [JSONValue] = (0..<5).map { i in
            let number = 300_000 + i
            return [
                "_id": .string("run:" + String(format: "%010d", number)), "type": "run", "run": .int(number),
                "run_type": i == 2 ? "Calibration" : "Physics", "complete": true, "processing_status": "pending",
            ]
        }
        let results = try await database.bulkDocs(runs)
        say("3. Wrote \(results.filter { $0.rev != nil }.count) run documents in one _bulk_docs request:")
        for row in try await database.allDocs(AllDocsQuery(includeDocs: true)).rows {
            let doc = row.doc ?? .null
            say("     \(row.id ?? "?")  \(doc["run_type"]?.stringValue ?? "")  rev \(row.rev ?? "")")
        }

        let lease = try await database.put(["_id": "lease:demo", "type": "lease", "holder": nil, "epoch": 0])
        let first = try await database.put(["_id": "lease:demo", "_rev": .string(lease.rev), "type": "lease", "holder": "site-a", "epoch": 1])
        say("4. Two sites raced for lease:demo with the revision they had both read (\(lease.rev)):")
        say("     site-a wrote epoch 1 and won: \(first.rev)")
        let late: Result<WriteResult, CouchError>
        do {
            late = .success(try await database.put(["_id": "lease:demo", "_rev": .string(lease.rev), "type": "lease", "holder": "site-b", "epoch": 1]))
        } catch {
            late = .failure(error)
        }
        switch late {
        case .failure(let error) where error.code == .conflict:
            say("     site-b was refused with 409 conflict: exactly one writer wins. gasp's lease rests on this.")
        case .failure(let error):
            throw error
        case .success:
            throw ValidationError("site-b's write with a stale revision succeeded; the store is broken")
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
