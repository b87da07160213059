import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// The server admin, set at start (never from argv).
public struct ServerAdmin: Sendable, Equatable {
    public var name: String
    public var password: String

    public init(name: String, password: String) {
        self.name = name
        self.password = password
    }
}

/// How an ``EmbeddedCouchServer`` runs.
public struct EmbeddedCouchConfiguration: Sendable {
    /// Directory holding the server's state (created if missing): `dbs/<name>.sqlite`, one
    /// SQLite file per database (names percent-encoded), `cookie_secret` and `server_uuid`.
    public var dataDirectory: String
    /// Address to listen on.
    public var host: String = "127.0.0.1"
    /// Port to listen on; 0 picks a free one (see ``EmbeddedCouchServer/waitUntilListening()``).
    public var port: Int = 5984
    /// The server admin; nil runs without one.
    public var admin: ServerAdmin? = nil
    /// The largest document body accepted (CouchDB's `max_document_size`); larger is 413.
    public var maxDocumentBytes: Int = 8_000_000
    /// The `gasp` executable that runs design-document JavaScript (`gasp query-server`);
    /// nil means this process's own executable, right for `gasp serve` and `gasp demo`.
    public var queryServerExecutable: String? = nil

    public init(dataDirectory: String) {
        self.dataDirectory = dataDirectory
    }
}

/// A single-node server speaking Apache CouchDB 3.4's HTTP API, storing in SQLite.
public final class EmbeddedCouchServer: Service, Sendable {
    private let configuration: EmbeddedCouchConfiguration
    private let logger: Logger
    private let service: CouchService
    private let listening = ListeningSignal()

    /// Opens (creating if needed) the data directory, `_users` and `_replicator`.
    public init(configuration: EmbeddedCouchConfiguration, logger: Logger) throws {
        try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
        self.configuration = configuration
        self.logger = logger
        self.service = try CouchService(configuration: configuration, logger: logger)
    }

    /// Serves until cancelled or a graceful shutdown.
    public func run() async throws {
        try await service.registry.createSystemDatabases()
        let app = Application(
            responder: CouchResponder(service: service),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { [listening, logger, configuration] channel in
                let port = channel.localAddress?.port ?? 0
                logger.info("EmbeddedCouch listening", metadata: ["host": "\(configuration.host)", "port": "\(port)"])
                listening.succeed(port: port)
            },
            logger: Self.serverLogger(logger)
        )
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await app.runService(gracefulShutdownSignals: []) }
                group.addTask { [service, logger] in
                    await service.registry.compactPeriodically(every: .seconds(3600), logger: logger)
                }
                // The server ends the group (graceful shutdown or failure); compaction stops with it.
                try await group.next()
                group.cancelAll()
            }
        } catch {
            await service.views.shutdown()
            fail("the server stopped: \(error)")
            throw error
        }
        await service.views.shutdown()
        fail("the server stopped")
    }

    /// The logger handed to Hummingbird: its own messages are connection-level (a client going
    /// away, and a burst of errors whenever the server task is cancelled, as tests do), so only
    /// critical ones are kept. Failing to bind is not lost: `run()` throws it.
    private static func serverLogger(_ logger: Logger) -> Logger {
        var quiet = logger
        quiet.logLevel = max(logger.logLevel, .critical)
        return quiet
    }

    /// The bound port, once the server listens.
    public func waitUntilListening() async throws -> Int {
        try await listening.wait()
    }

    private func fail(_ message: String) {
        listening.fail(message)
    }
}

/// Tells waiters the bound port once the server listens (or why it never will).
private final class ListeningSignal: Sendable {
    private struct State {
        var port: Int?
        var failure: String?
        var waiters: [CheckedContinuation<Int, any Error>] = []
    }

    private let state = Mutex<State>(State())

    func succeed(port: Int) {
        let waiters = state.withLock { state in
            state.port = port
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: port) }
    }

    func fail(_ message: String) {
        let waiters = state.withLock { state in
            if state.port == nil { state.failure = message }
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(throwing: EmbeddedCouchError(message: message)) }
    }

    func wait() async throws -> Int {
        try await withCheckedThrowingContinuation { continuation in
            state.withLock { state in
                if let port = state.port {
                    continuation.resume(returning: port)
                } else if let failure = state.failure {
                    continuation.resume(throwing: EmbeddedCouchError(message: failure))
                } else {
                    state.waiters.append(continuation)
                }
            }
        }
    }
}

/// A failure of the embedded server itself (not a CouchDB error answered to a client).
public struct EmbeddedCouchError: Error, CustomStringConvertible {
    /// What went wrong.
    public var message: String
    public var description: String { message }
}
