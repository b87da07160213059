import Foundation
import Testing
import TestSupport

/// Replays the exchanges recorded from Apache CouchDB 3.4.3 (Conformance/*.json) against a
/// fresh embedded store per case, with the corpus's own replayer (`replay.py`, Python 3
/// standard library). With `GASP_TEST_COUCHDB_URL` set they run against that server instead,
/// which shows the cases themselves hold.
@Suite("CouchDB conformance", .serialized)
struct ConformanceTests {
    static let directory: URL? = Bundle.module.url(forResource: "Conformance", withExtension: nil)

    /// Case-name prefixes whose behaviour the embedded store implements.
    static let implemented = [
        "server_", "db_", "doc_", "att_", "bulk_", "alldocs_", "changes_", "errors_",
        "session_", "auth_", "security_members", "security_object", "view_", "vdu_", "security_vdu_",
    ]

    static var cases: [String] {
        guard let directory else { return [] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
    }

    static var implementedCases: [String] {
        cases.filter { name in implemented.contains { name.hasPrefix($0) } }
    }

    @Test("the corpus is bundled with the tests")
    func corpusPresent() throws {
        #expect(Self.cases.count >= 54)
        #expect(Self.implementedCases.count == 54)
    }

    @Test("recorded case replays identically", arguments: ConformanceTests.implementedCases)
    func replay(caseName: String) async throws {
        let directory = try #require(Self.directory)
        let output = try await withTestCouch { couch in
            try await runProcess(
                URL(fileURLWithPath: "/usr/bin/env"),
                arguments: [
                    "python3", directory.appendingPathComponent("replay.py").path, "check",
                    directory.appendingPathComponent("\(caseName).json").path,
                    "--url", couch.adminURL.absoluteString,
                ])
        }
        let summary = output.standardOutput.split(separator: "\n").last.map(String.init) ?? ""
        #expect(
            output.status == 0 && summary.hasSuffix(" 0 failed"),
            "\(caseName): \(summary)\n\(output.standardOutput)\(output.standardError)")
    }
}
