import Foundation
import SiteConfiguration
import Testing

@Suite("Site configuration files")
struct SiteConfigurationTests {
    static let example = """
        site: site-a
        couchdb:
          url: http://127.0.0.1:5984
          database: data-processing
          user: gasp
          password_env: GASP_COUCHDB_PASSWORD
        bootstrap:
          databases: [data-production]
        security:
          admins: {roles: [gasp-admins]}
          members: {names: [gasp], roles: [gasp-workers]}
        """

    @Test("a full file reads into its values")
    func full() throws {
        let configuration = try SiteConfiguration.parse(Self.example, file: "site.yaml")
        #expect(configuration.site == "site-a")
        #expect(configuration.couchdb.url == "http://127.0.0.1:5984")
        #expect(configuration.databases == ["data-processing", "data-production"])
        #expect(configuration.security?.members.names == ["gasp"])
        #expect(configuration.security?.admins.roles == ["gasp-admins"])
        #expect(try configuration.password(environment: ["GASP_COUCHDB_PASSWORD": "s3cret"], file: "site.yaml") == "s3cret")
    }

    @Test("each mistake is reported with file, line and key", arguments: [
        ("couchdb:\n  url: http://h:5984\n  databse: x\n", "site.yaml:3:3: couchdb.databse: unknown key", ConfigurationError.Code.unknownKey),
        ("site: a\n", "site.yaml", ConfigurationError.Code.missingKey),
        ("couchdb:\n  url: http://h:5984\n", "couchdb.database: required", ConfigurationError.Code.missingKey),
        ("couchdb:\n  url: ftp://h\n  database: x\n", "site.yaml:2:8: couchdb.url: not an http(s) URL", ConfigurationError.Code.invalidValue),
        ("couchdb:\n  url: http://u:p@h:5984\n  database: x\n", "couchdb.url: the URL carries a password", ConfigurationError.Code.invalidValue),
        ("couchdb:\n  url: http://h:5984\n  database: x\n  user: gasp\n", "couchdb.password_file: a user needs", ConfigurationError.Code.missingKey),
        ("couchdb:\n  url: http://h:5984\n  database: x\nbootstrap:\n  databases: notalist\n", "site.yaml:5:14: bootstrap.databases: expected a list", ConfigurationError.Code.wrongType),
        ("couchdb: [\n", "site.yaml:2", ConfigurationError.Code.syntax),
    ])
    func mistakes(text: String, expected: String, code: ConfigurationError.Code) {
        #expect {
            try SiteConfiguration.parse(text, file: "site.yaml")
        } throws: { error in
            guard let error = error as? ConfigurationError else { return false }
            return error.code == code && error.description.contains(expected)
        }
    }

    @Test("a password environment variable that is not set is named")
    func missingEnvironment() throws {
        let configuration = try SiteConfiguration.parse(Self.example, file: "site.yaml")
        #expect {
            try configuration.password(environment: [:], file: "site.yaml")
        } throws: { error in
            "\(error)".contains("GASP_COUCHDB_PASSWORD is not set")
        }
    }

    @Test("the shipped examples are valid")
    func examples() throws {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Ops/examples").standardized
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".yaml") && !$0.hasPrefix("catalogue-") }  // catalogues: EnqueueTests
        #expect(!files.isEmpty)
        for file in files {
            _ = try SiteConfiguration.load(path: directory.appendingPathComponent(file).path)
        }
    }
}
