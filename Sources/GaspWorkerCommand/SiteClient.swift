import CouchDB
import Foundation
import SiteConfiguration

extension SiteConfiguration {
    /// A client for the server this configuration (read from `file`) names, or `url` instead,
    /// with the configured user and the password from the environment or the password file.
    public func makeClient(
        file: String, url: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> CouchClient {
        let credentials: CouchCredentials? = try couchdb.user.map { user in
            .basic(name: user, password: try password(environment: environment, file: file) ?? "")
        }
        return try CouchClient(url: url ?? couchdb.url, credentials: credentials)
    }
}
