import ArgumentParser
import CouchDB
import Foundation
import GaspWorkerCommand
import SiteConfiguration

/// How a command reaches CouchDB: `--url` for the address; the credentials only from the
/// environment or a file, so they never show in `ps` or shell history.
struct ConnectionOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "CouchDB URL, without credentials (default: $GASP_COUCHDB_URL, else http://127.0.0.1:5984).",
        discussion: "Credentials: GASP_COUCHDB_USER with GASP_COUCHDB_PASSWORD or GASP_COUCHDB_PASSWORD_FILE."))
    var url: String?

    @Option(help: "A site configuration file (YAML): CouchDB URL, database, user and where the password is.")
    var config: String?

    /// The site configuration, when `--config` was given.
    func siteConfiguration() throws -> SiteConfiguration? {
        try config.map { try SiteConfiguration.load(path: $0) }
    }

    /// A client for the chosen server: `--config`'s settings, else `--url` and the environment.
    func makeClient(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> CouchClient {
        if let configuration = try siteConfiguration(), let path = config {
            return try configuration.makeClient(file: path, url: url, environment: environment)
        }
        if let url, let components = URLComponents(string: url), components.password != nil {
            throw ValidationError(
                "--url carries a password, which would show in ps and shell history; "
                    + "set GASP_COUCHDB_PASSWORD or GASP_COUCHDB_PASSWORD_FILE instead")
        }
        let address = url ?? environment["GASP_COUCHDB_URL"] ?? "http://127.0.0.1:5984"
        let credentials = try Self.credentials(environment: environment)
        return try CouchClient(url: address, credentials: credentials)
    }

    /// Credentials from `GASP_COUCHDB_USER` and `GASP_COUCHDB_PASSWORD` or `GASP_COUCHDB_PASSWORD_FILE`;
    /// nil lets a URL from `GASP_COUCHDB_URL` carry its own.
    static func credentials(environment: [String: String]) throws -> CouchCredentials? {
        guard let user = environment["GASP_COUCHDB_USER"], !user.isEmpty else { return nil }
        if let file = environment["GASP_COUCHDB_PASSWORD_FILE"], !file.isEmpty {
            do {
                let text = try String(contentsOfFile: file, encoding: .utf8)
                return .basic(name: user, password: text.trimmingCharacters(in: .newlines))
            } catch {
                throw ValidationError("GASP_COUCHDB_PASSWORD_FILE \(file): cannot read it (\(error.localizedDescription))")
            }
        }
        guard let password = environment["GASP_COUCHDB_PASSWORD"] else {
            throw ValidationError("GASP_COUCHDB_USER is set but neither GASP_COUCHDB_PASSWORD nor GASP_COUCHDB_PASSWORD_FILE is")
        }
        return .basic(name: user, password: password)
    }
}
