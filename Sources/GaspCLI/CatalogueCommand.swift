import ArgumentParser
import Enqueue
import Foundation
import Processing

/// `gasp catalogue`: check and install module catalogues.
struct CatalogueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catalogue",
        abstract: "Module catalogues: one YAML file per software version, stored as catalogue:<version>.",
        subcommands: [CatalogueCheck.self, CatalogueInstall.self]
    )
}

struct CatalogueCheck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check", abstract: "Validate catalogue files, reporting every problem with file, line and key.")

    @Argument(help: "The catalogue files (YAML).")
    var files: [String]

    func run() async throws {
        var failed = false
        for file in files {
            do {
                let catalogue = try CatalogueStore.load(path: file)
                print("\(file): version \(catalogue.version), \(catalogue.moduleNames.count) modules, \(catalogue.runTypes.count) run types: ok")
            } catch {
                failed = true
                _ = report(error)
            }
        }
        if failed { throw ExitCode(2) }
    }
}

struct CatalogueInstall: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "install", abstract: "Validate a catalogue file and store it as catalogue:<version>.")

    @OptionGroup var database: DatabaseOptions

    @Argument(help: "The catalogue file (YAML).")
    var file: String

    func run() async throws {
        do {
            let catalogue = try CatalogueStore.load(path: file)
            try await database.withDatabase { db in
                let changed = try await CatalogueStore.install(catalogue, into: db)
                print(changed ? "installed \(ModuleCatalogue.id(version: catalogue.version))" : "\(ModuleCatalogue.id(version: catalogue.version)) is up to date")
            }
        } catch {
            throw report(error)
        }
    }
}
