import ArgumentParser
import GaspWorkerCommand

/// Every subcommand of `gasp`, in the order `--help` lists them.
enum GaspSubcommands {
    static let all: [any ParsableCommand.Type] = [
        ServeCommand.self,
        BootstrapCommand.self,
        WorkerCommand.self,
        StatusCommand.self,
        SiteCommand.self,
        EnqueueCommand.self,
        RunsCommand.self,
        RequestCommand.self,
        CalibrationCommand.self,
        CatalogueCommand.self,
        DemoCommand.self,
        BenchCommand.self,
        QueryServerCommand.self,
    ]
}
