import ArgumentParser
import Bootstrap
import CouchDB
import Foundation
import JSON

/// `gasp bootstrap`: installs `Views/` into databases, changing only what differs.
struct BootstrapCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bootstrap",
        abstract: "Create databases and install the design documents of Views/ where they differ.",
        discussion: """
            A design document whose content is unchanged is not written, so its indexes stay built. A second run changes nothing and says so. Nothing is changed when any Views/ file is broken.
            """
    )

    @OptionGroup var connection: ConnectionOptions

    @Option(name: .customLong("db"), help: "A database to bootstrap (repeatable; default: the databases --config names).")
    var databases: [String] = []

    @Option(help: "The Views directory (default: $GASP_VIEWS, ./Views, or the one beside the gasp executable).")
    var views: String?

    @Option(help: "A JSON file with the _security object to set (default: the security section of --config).")
    var security: String?

    @Flag(help: "Remove gasp design documents, and views, that Views/ no longer has.")
    var prune = false

    @Flag(help: "Print what would change and change nothing.")
    var dryRun = false

    @Flag(help: "Query every design document afterwards so its indexes are built before users arrive.")
    var warm = false

    func validate() throws {
        if databases.isEmpty && connection.config == nil {
            throw ValidationError("name at least one database with --db, or a configuration with --config")
        }
    }

    func run() async throws {
        let configuration = try connection.siteConfiguration()
        let databases = self.databases.isEmpty ? configuration?.databases ?? [] : self.databases
        let directory = try ViewsDirectory.locate(explicit: views)
        let documents = try DesignDocumentSource.load(from: directory)
        try await JavaScriptCheck().check(documents)
        let securityObject = try security.map { try Self.loadSecurity(path: $0) }
            ?? configuration?.security.map { SecurityObject(
                admins: .init(names: $0.admins.names, roles: $0.admins.roles),
                members: .init(names: $0.members.names, roles: $0.members.roles)) }
        let bootstrapper = Bootstrapper(documents: documents, prune: prune, security: securityObject)
        let client = try connection.makeClient()
        do {
            try await run(bootstrapper, client: client, databases: databases)
            try await client.shutdown()
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    private func run(_ bootstrapper: Bootstrapper, client: CouchClient, databases: [String]) async throws {
        let plan = try await bootstrapper.plan(client: client, databases: databases)
        if dryRun {
            for line in plan.describe(applied: false) { print(line) }
            print(plan.isEmpty ? "dry run: nothing would change" : "dry run: nothing was changed")
            return
        }
        if plan.isEmpty {
            for line in plan.describe(applied: true) { print(line) }
            print("nothing to change")
        } else {
            try await bootstrapper.apply(plan, client: client) { print($0) }
        }
        if warm {
            try await bootstrapper.warm(client: client, databases: databases) { name, elapsed in
                print("warmed \(name) in \(String(format: "%.2f", elapsed.secondsValue)) s")
            }
        }
    }

    static func loadSecurity(path: String) throws -> SecurityObject {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ValidationError("--security \(path): cannot read it (\(error.localizedDescription))")
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(data)
        } catch {
            throw ValidationError("--security \(path), \(error)")
        }
        guard value.objectValue != nil else { throw ValidationError("--security \(path): expected a JSON object") }
        for group in ["admins", "members"] {
            guard let g = value[group] else { continue }
            for field in ["names", "roles"] {
                if let list = g[field], list.arrayValue?.allSatisfy({ $0.stringValue != nil }) != true {
                    throw ValidationError("--security \(path): \(group).\(field) must be a list of strings")
                }
            }
        }
        return SecurityObject(json: value)
    }
}

extension Duration {
    fileprivate var secondsValue: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

/// Where the repository's `Views/` directory is.
enum ViewsDirectory {
    static func locate(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> URL {
        if let explicit { return URL(fileURLWithPath: explicit) }
        if let path = environment["GASP_VIEWS"], !path.isEmpty { return URL(fileURLWithPath: path) }
        let fm = FileManager.default
        let cwd = URL(fileURLWithPath: fm.currentDirectoryPath).appendingPathComponent("Views")
        var candidates = [cwd]
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        // .build/<triple>/debug/gasp in a checkout; <prefix>/bin/gasp with <prefix>/share/gasp/Views when installed.
        candidates.append(executable.appendingPathComponent("../../../Views").standardized)
        candidates.append(executable.appendingPathComponent("../../Views").standardized)
        candidates.append(executable.appendingPathComponent("../share/gasp/Views").standardized)
        for candidate in candidates where fm.fileExists(atPath: candidate.path) { return candidate }
        throw ValidationError("cannot find the Views directory (looked in \(candidates.map(\.path).joined(separator: ", "))); pass --views DIR")
    }
}
