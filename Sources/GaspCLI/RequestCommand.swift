import ArgumentParser
import Enqueue
import Foundation
import Processing

/// `gasp request submit FILE.json`: production requests.
struct RequestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "request",
        abstract: "Production (simulation) requests.",
        subcommands: [RequestSubmit.self]
    )
}

struct RequestSubmit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Create the passes of a production request (JSON: rat_v, label, priority, template, modules[]).",
        discussion: "Every module is checked against the catalogue of rat_v first; any unknown module or bad field is reported, all at once, and nothing is created. Submitting the same request again creates nothing twice.")

    @OptionGroup var database: DatabaseOptions

    @Argument(help: "The request file (JSON).")
    var file: String

    @Option(help: "The module catalogue file (YAML); default: the database's catalogue:<rat_v>.")
    var catalogue: String?

    @Option(name: [.customShort("o"), .customLong("outlist")], help: ArgumentHelp("Append `module run pass` for each created pass to FILE.", valueName: "FILE"))
    var outlist: String?

    @Option(help: "Record this request id instead of the one derived from the file's content.")
    var requestID: String?

    @Flag(help: "Print what would be written and write nothing.")
    var dryRun = false

    func run() async throws {
        do {
            let text: String
            do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
                throw EnqueueError(.invalidInput, "nothing was written", problems: [InputProblem(.unreadable, source: file, key: nil, "cannot read it (\(error.localizedDescription))")])
            }
            // The version first (it names the catalogue), then everything against the catalogue.
            let version = try RequestSubmitter.version(of: text, file: file)
            try await database.withDatabase { db in
                let catalogue = try await CatalogueStore.resolve(version: version, path: self.catalogue, database: db)
                let request = try RequestSubmitter.parse(text, file: file, catalogue: catalogue)
                let creator = JobCreator(database: db, catalogue: catalogue, progress: TerminalProgress.writer(label: "request"))
                var outcome = try await RequestSubmitter(creator: creator).submit(request, requestID: requestID, dryRun: dryRun)
                outcome.dryRun = dryRun
                if dryRun { EnqueueCommand.printDryRun(outcome) }
                if let outlist, !dryRun { try appendLines(outcome.created.map(\.outlistLine), to: outlist) }
                print("request \(request.resolvedRequestID(override: requestID)): " + outcome.summary)
                for failure in outcome.failures { print("  not written: \(failure)") }
                if !outcome.failures.isEmpty { throw ExitCode(1) }
            }
        } catch {
            throw report(error)
        }
    }
}
