import ArgumentParser

/// The `gasp` command: argument parsing and wiring only.
@main
struct Gasp: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gasp",
        abstract: "Run experiment data processing on a fleet of site workers coordinated through CouchDB.",
        subcommands: GaspSubcommands.all
    )

    static func main() async {
        WorkerExecutable.execIfRequested(Array(CommandLine.arguments.dropFirst()))
        await main(rewritingOptionalValues(Array(CommandLine.arguments.dropFirst())))
    }
}
