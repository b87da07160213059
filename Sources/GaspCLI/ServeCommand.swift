import ArgumentParser
import EmbeddedCouch
import Foundation
import Logging
import ServiceLifecycle

/// `gasp serve`: the embedded CouchDB-compatible store as a standalone server.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the embedded CouchDB-compatible store.",
        discussion: """
            The server admin comes from GASP_ADMIN_NAME and GASP_ADMIN_PASSWORD, or from the file named by GASP_ADMIN_FILE (one line, name:password); never from the command line.
            """
    )

    @Option(name: .long, help: "Directory that holds the databases (created if missing).")
    var data: String = "./gasp-data"

    @Option(name: .long, help: "Address to listen on.")
    var host: String = "127.0.0.1"

    @Option(name: .long, help: "Port to listen on (0 picks a free one).")
    var port: Int = 5984

    @Option(name: .long, help: "Largest document body accepted, in bytes (413 beyond).")
    var maxDocumentSize: Int = 8_000_000

    func run() async throws {
        var configuration = EmbeddedCouchConfiguration(dataDirectory: data)
        configuration.host = host
        configuration.port = port
        configuration.maxDocumentBytes = maxDocumentSize
        configuration.admin = try AdminCredentialsSource.fromEnvironment()
        let logger = Logger(label: "gasp.serve")
        if configuration.admin == nil {
            // Without an admin every request acts as one ("admin party"), as in CouchDB.
            guard ["127.0.0.1", "localhost", "::1"].contains(host) else {
                throw ValidationError("refusing to serve on \(host) without a server admin: set GASP_ADMIN_NAME and GASP_ADMIN_PASSWORD, or GASP_ADMIN_FILE")
            }
            logger.warning("no server admin configured: every request acts as admin (set GASP_ADMIN_NAME and GASP_ADMIN_PASSWORD, or GASP_ADMIN_FILE)")
        }
        let server = try EmbeddedCouchServer(configuration: configuration, logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: [server],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            ))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            tasks.addTask {
                let port = try await server.waitUntilListening()
                // Scripts and tests read this line to learn the port (useful with --port 0).
                let line = "gasp serve: listening on http://\(host):\(port) (data in \(data))\n"
                FileHandle.standardOutput.write(Data(line.utf8))
            }
            try await tasks.waitForAll()
        }
    }
}

/// Where the server admin's credentials come from.
enum AdminCredentialsSource {
    /// Reads `GASP_ADMIN_NAME`/`GASP_ADMIN_PASSWORD`, or `GASP_ADMIN_FILE`; nil when neither is set.
    static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ServerAdmin? {
        if let path = environment["GASP_ADMIN_FILE"], !path.isEmpty {
            let text: String
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw ValidationError("GASP_ADMIN_FILE \(path): cannot read it (\(error.localizedDescription))")
            }
            let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex else {
                throw ValidationError("GASP_ADMIN_FILE \(path), line 1: expected name:password")
            }
            return ServerAdmin(name: String(line[..<colon]), password: String(line[line.index(after: colon)...]))
        }
        if let name = environment["GASP_ADMIN_NAME"], let password = environment["GASP_ADMIN_PASSWORD"] {
            return ServerAdmin(name: name, password: password)
        }
        return nil
    }
}
