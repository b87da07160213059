import ArgumentParser
import ViewEngine

/// `gasp query-server`: the child process that runs design-document JavaScript for the
/// embedded store (like CouchDB's `couchjs`). Not for interactive use.
struct QueryServerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query-server",
        abstract: "Run design-document JavaScript over a line protocol on stdin/stdout (internal).",
        shouldDisplay: false
    )

    func run() throws {
        try QueryServer.run()
    }
}
