import ArgumentParser
import CouchDB
import GaspWorkerCommand
import Processing
import Worker

/// `gasp site drain|undrain|disable|enable NAME`: the operator's switches of a site.
struct SiteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "site",
        abstract: "Drain or undrain a site (a draining site monitors and catalogues but claims nothing new), or disable it.",
        subcommands: [Switch.self],
        defaultSubcommand: Switch.self
    )

    struct Switch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set", abstract: "Set a site's switch: gasp site drain NAME, undrain NAME, disable NAME, enable NAME.")

        enum Action: String, ExpressibleByArgument, CaseIterable {
            case drain, undrain, disable, enable
        }

        @Argument(help: "drain, undrain, disable or enable.")
        var action: Action

        @Argument(help: "The site name (its document is site:<name>).")
        var name: String

        @OptionGroup var connection: ConnectionOptions

        @Option(help: "The database (default: the configuration's couchdb.database).")
        var db: String?

        func run() async throws {
            let configured = try connection.siteConfiguration()?.couchdb.database
            guard let database = db ?? configured else {
                throw ValidationError("name the database with --db or --config")
            }
            let client = try connection.makeClient()
            do {
                let site: SiteDocumentSummary
                switch action {
                case .drain: site = .init(try await SiteControl.setDraining(true, site: name, database: client.database(database)))
                case .undrain: site = .init(try await SiteControl.setDraining(false, site: name, database: client.database(database)))
                case .disable: site = .init(try await SiteControl.setEnabled(false, site: name, database: client.database(database)))
                case .enable: site = .init(try await SiteControl.setEnabled(true, site: name, database: client.database(database)))
                }
                try await client.shutdown()
                print("site:\(name): draining \(site.draining), enabled \(site.enabled)")
            } catch let error as CouchError where error.code == .notFound {
                try? await client.shutdown()
                throw ExitMessage("gasp site: no document site:\(name) in \(database): has its worker ever started?")
            } catch {
                try? await client.shutdown()
                throw ExitMessage("gasp site: \(error)")
            }
        }
    }
}

/// The two switches, for printing.
private struct SiteDocumentSummary {
    let draining: Bool
    let enabled: Bool
    init(_ document: Processing.SiteDocument) {
        draining = document.draining
        enabled = document.enabled
    }
}
