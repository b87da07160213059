import EmbeddedCouch
import Foundation
import Logging

/// A CouchDB server for a test to talk to over HTTP.
///
/// When `GASP_TEST_COUCHDB_URL` is set (e.g. `http://admin:admin@127.0.0.1:5984`) every test
/// talks to that server; otherwise each `TestCouch` is a fresh in-process `EmbeddedCouch` on a
/// random loopback port with its data in a temporary directory. Use ``withTestCouch(_:)`` so the
/// server is shut down when the test ends.
public struct TestCouch: Sendable {
    /// The server URL without credentials, e.g. `http://127.0.0.1:41234`.
    public let baseURL: URL
    /// The server admin's name.
    public let adminName: String
    /// The server admin's password.
    public let adminPassword: String
    /// Whether this is an external Apache CouchDB (from `GASP_TEST_COUCHDB_URL`).
    public let isExternal: Bool
    /// The data directory of an embedded server (nil for an external one).
    public let dataDirectory: URL?

    /// A server at `baseURL` whose admin is `adminName` (e.g. a `gasp serve` child process).
    public init(baseURL: URL, adminName: String, adminPassword: String, isExternal: Bool, dataDirectory: URL?) {
        self.baseURL = baseURL
        self.adminName = adminName
        self.adminPassword = adminPassword
        self.isExternal = isExternal
        self.dataDirectory = dataDirectory
    }

    /// The server URL with the admin credentials in it.
    public var adminURL: URL {
        var components = URLComponents(url: baseURL, resolvingAgainstBaseURL: false)!
        components.user = adminName
        components.password = adminPassword
        return components.url!
    }

    /// A database name unique to this test run, starting with `prefix`.
    public func uniqueDatabaseName(_ prefix: String = "gasp_test") -> String {
        "\(prefix)_\(UInt64.random(in: 0..<UInt64.max) & 0xFFFF_FFFF_FFFF)".lowercased()
    }
}

/// The admin name and password that in-process test servers use.
public let testAdminName = "admin"
public let testAdminPassword = "admin"

/// Runs `body` against a CouchDB server: the one in `GASP_TEST_COUCHDB_URL`, or a fresh
/// in-process embedded store that is shut down (and its data removed) when `body` returns.
public func withTestCouch<T: Sendable>(
    _ body: @Sendable (TestCouch) async throws -> T
) async throws -> T {
    if let external = ProcessInfo.processInfo.environment["GASP_TEST_COUCHDB_URL"], !external.isEmpty {
        guard var components = URLComponents(string: external) else {
            throw TestSupportError("GASP_TEST_COUCHDB_URL is not a URL: \(external)")
        }
        let name = components.user ?? "admin"
        let password = components.password ?? "admin"
        components.user = nil
        components.password = nil
        let couch = TestCouch(
            baseURL: components.url!, adminName: name, adminPassword: password,
            isExternal: true, dataDirectory: nil)
        return try await body(couch)
    }

    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("gasp-test-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }

    var configuration = EmbeddedCouchConfiguration(dataDirectory: directory.path)
    configuration.port = 0
    configuration.admin = ServerAdmin(name: testAdminName, password: testAdminPassword)
    // The test runner is not `gasp`: design-document JavaScript runs in the built binary.
    configuration.queryServerExecutable = try gaspExecutableURL().path
    var logger = Logger(label: "gasp.test.embedded-couch")
    logger.logLevel = .warning
    return try await EmbeddedCouchServer.withRunning(configuration: configuration, logger: logger) { port in
        let couch = TestCouch(
            baseURL: URL(string: "http://127.0.0.1:\(port)")!, adminName: testAdminName,
            adminPassword: testAdminPassword, isExternal: false, dataDirectory: directory)
        return try await body(couch)
    }
}

/// A failure in setting up a test's environment.
public struct TestSupportError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
