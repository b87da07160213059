import ArgumentParser
import Enqueue
import Foundation
import JSON
import Processing

/// `gasp runs`: register runs and switch automatic processing.
struct RunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "Register runs (run:<number> documents) and switch automatic processing.",
        subcommands: [RunsAdd.self, RunsImport.self, RunsAutoProcessing.self]
    )
}

/// `gasp runs add RUN --type TYPE …`.
struct RunsAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Register one run, or update its registration where it differs.")

    @OptionGroup var database: DatabaseOptions

    @Argument(help: "The run number.")
    var run: String

    @Option(name: .customLong("type"), help: "The run type (Physics, PCA, ECA, …), which picks the modules.")
    var runType: String

    @Option(help: "Start time, ISO-8601.")
    var start: String?

    @Option(help: "End time, ISO-8601.")
    var end: String?

    @Option(help: "Number of subfiles (one subjob each for a sub_run module).")
    var subfiles: Int = 1

    @Flag(help: "The run is still being taken (not complete).")
    var incomplete = false

    @Flag(help: "Mark the run pending for automatic processing (gasp enqueue --pending).")
    var pending = false

    @Flag(help: "Print what would change and write nothing.")
    var dryRun = false

    func run() async throws {
        do {
            var record: JSONObject = ["run": RunNumber.parse(run).map { .int($0) } ?? .string(run), "run_type": .string(runType),
                                      "complete": .bool(!incomplete), "subfiles": .int(subfiles)]
            if let start { record["start"] = .string(start) }
            if let end { record["end"] = .string(end) }
            if pending { record["processing_status"] = "pending" }
            let document: RunDocument
            switch RunListParser.registration(record, source: "arguments", line: nil) {
            case .success(let value): document = value
            case .failure(let failure): throw EnqueueError.invalid(failure)
            }
            try await database.withDatabase { db in
                let result = try await RunRegistry(database: db).register([document], dryRun: dryRun)
                print((dryRun ? "dry run: " : "") + result.summary)
                if !result.failures.isEmpty { throw ExitCode(1) }
            }
        } catch {
            throw report(error)
        }
    }
}

/// `gasp runs import FILE`.
struct RunsImport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Register the runs of a CSV file (header: run,run_type,start,end,complete,subfiles,processing_status) or a JSON-lines file.",
        discussion: "Every line is checked first; any bad line is reported as FILE:LINE and nothing is written.")

    @OptionGroup var database: DatabaseOptions

    @Argument(help: "The CSV or JSON-lines file.")
    var file: String

    @Flag(help: "Print what would change and write nothing.")
    var dryRun = false

    func run() async throws {
        do {
            let text: String
            do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
                throw EnqueueError(.invalidInput, "nothing was written", problems: [InputProblem(.unreadable, source: file, key: nil, "cannot read it (\(error.localizedDescription))")])
            }
            let runs: [RunDocument]
            do { runs = try RunListParser.registrations(text, file: file) } catch { throw EnqueueError.invalid(error) }
            try await database.withDatabase { db in
                let result = try await RunRegistry(database: db).register(runs, dryRun: dryRun)
                print((dryRun ? "dry run: " : "") + result.summary)
                for failure in result.failures { print("  not written: \(failure)") }
                if !result.failures.isEmpty { throw ExitCode(1) }
            }
        } catch {
            throw report(error)
        }
    }
}

/// `gasp runs auto-processing on|off`.
struct RunsAutoProcessing: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "auto-processing",
        abstract: "Switch automatic processing (run sensing and pending runs) on or off for the whole database.")

    @OptionGroup var database: DatabaseOptions

    @Argument(help: "on or off (omit to show the switch).")
    var state: String?

    @Option(help: "Why, for the next operator.")
    var reason: String?

    func run() async throws {
        if let state, state != "on", state != "off" { throw ValidationError("say on or off") }
        try await database.withDatabase { db in
            let automatic = AutomaticProcessing(database: db)
            if let state { try await automatic.set(enabled: state == "on", reason: reason) }
            print("automatic processing is " + (try await automatic.isEnabled() ? "on" : "off"))
        }
    }
}
