import CouchDB
import Enqueue
import Foundation
import JSON
import Processing
import Testing
import TestSupport

/// The `gasp enqueue`, `runs`, `request` and `calibration` commands as operators type them:
/// the offline_processing short flags, `-f` with and without a version, `-o`, `--dry-run`,
/// exit codes.
@Suite("gasp enqueue and friends on the command line")
struct CommandLineTests {
    typealias F = EnqueueFixture

    struct Gasp: Sendable {
        let couch: TestCouch
        let database: String

        func callAsFunction(_ arguments: String...) async throws -> ProcessOutput {
            var environment = ProcessInfo.processInfo.environment
            environment["GASP_COUCHDB_URL"] = couch.baseURL.absoluteString
            environment["GASP_COUCHDB_USER"] = couch.adminName
            environment["GASP_COUCHDB_PASSWORD"] = couch.adminPassword
            var args = Array(arguments)
            let path = args.first == "enqueue" ? 1 : min(2, args.count)
            args.insert(contentsOf: ["--db", database], at: path)
            if args.first == "enqueue" || args.first == "request" { args.insert(contentsOf: ["--catalogue", F.catalogueFile], at: path) }
            return try await runProcess(try gaspExecutableURL(), arguments: args, environment: environment)
        }
    }

    static func withGasp(_ body: @Sendable (Gasp, CouchDatabase) async throws -> Void) async throws {
        try await withTestCouch { couch in
            try await withClient(couch) { client in
                let name = couch.uniqueDatabaseName("gasp_cli")
                let database = client.database(name)
                try await database.create(shards: 1)
                do {
                    let bootstrap = try await runProcess(try gaspExecutableURL(), arguments: [
                        "bootstrap", "--url", couch.baseURL.absoluteString, "--db", name,
                        "--views", F.repository.appendingPathComponent("Views").path,
                    ], environment: ProcessInfo.processInfo.environment.merging(
                        ["GASP_COUCHDB_USER": couch.adminName, "GASP_COUCHDB_PASSWORD": couch.adminPassword]) { $1 })
                    guard bootstrap.status == 0 else { throw TestSupportError("bootstrap failed: \(bootstrap.standardError)") }
                    try await body(Gasp(couch: couch, database: name), database)
                    try? await database.delete()
                } catch {
                    try? await database.delete()
                    throw error
                }
            }
        }
    }

    static func temporaryFile(_ text: String, _ name: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gasp-cli-\(UUID().uuidString)-\(name)")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test("runs import, -1 with -o, -f without and with a version, -L with a bad line, --dry-run, -b with iterations")
    func flags() async throws {
        try await Self.withGasp { gasp, db in
            let csv = try Self.temporaryFile("run,run_type,subfiles\n100,Physics,2\n101,Physics,1\n102,PCA,1\n103,Physics,1\n", "runs.csv")
            let imported = try await gasp("runs", "import", csv)
            #expect(imported.status == 0, "\(imported.standardError)")
            #expect(imported.standardOutput.contains("registered 4 new runs"))

            let outlist = FileManager.default.temporaryDirectory.appendingPathComponent("gasp-cli-\(UUID().uuidString).out").path
            let oneShot = try await gasp("enqueue", "7.0.9", "L2", "-1", "100", "101", "-N", "Processing", "-o", outlist)
            #expect(oneShot.status == 0, "\(oneShot.standardError)")
            #expect(try String(contentsOfFile: outlist, encoding: .utf8) == "Processing 100 1\nProcessing 101 1\n")

            let bare = try await gasp("enqueue", "7.0.9", "L2", "-N", "Analysis", "-1", "100", "-f")
            #expect(bare.status == 0, "\(bare.standardError)")
            let versioned = try await gasp("enqueue", "7.0.9", "L2", "-N", "Analysis", "-f", "7.0.8", "-1", "101")
            #expect(versioned.status == 2)
            #expect(versioned.standardError.contains("no pass of Processing with version 7.0.8"))
            #expect(try await F.job(db, "Analysis", 100)?.passes[0].prerequisites == [PrerequisiteLink(module: "Processing", pass: 1)])
            #expect(try await F.job(db, "Analysis", 101) == nil)

            let list = try Self.temporaryFile("100\nabc\n", "list.txt")
            let badList = try await gasp("enqueue", "7.0.9", "L2", "-L", list)
            #expect(badList.status == 2)
            #expect(badList.standardError.contains("\(list):2: not a run number: abc"))

            let dry = try await gasp("enqueue", "7.0.9", "L2", "-R", "100", "103", "--dry-run")
            #expect(dry.status == 0, "\(dry.standardError)")
            #expect(dry.standardOutput.contains("would write job:Analysis:0000000103"))
            #expect(try await F.job(db, "Processing", 103) == nil)

            let block = try await gasp("enqueue", "7.0.9", "L2", "-b", "100", "103", "--interval", "0.01", "--iterations", "3")
            #expect(block.status == 0, "\(block.standardError)")
            #expect(block.standardOutput.contains("calibration lock set: PCA at run 102"))
            #expect(try await F.job(db, "Processing", 103) == nil, "held back by the PCA lock")
            let release = try await gasp("calibration", "release", "PCA", "--valid-to", "110")
            #expect(release.status == 0, "\(release.standardError)")
            let resumed = try await gasp("enqueue", "7.0.9", "L2", "-b", "100", "103", "--interval", "0.01", "--iterations", "3")
            #expect(resumed.status == 0)
            #expect(try await F.job(db, "Processing", 103)?.passes.count == 1)

            let reversed = try await gasp("enqueue", "7.0.9", "L2", "-R", "103", "100")
            #expect(reversed.status == 2 && reversed.standardError.contains("reversed"))
            let twoModes = try await gasp("enqueue", "7.0.9", "L2", "-R", "100", "101", "-A", "100")
            #expect(twoModes.status != 0)
        }
    }

    @Test("request submit: all problems at once and nothing written; then a good one, once")
    func request() async throws {
        try await Self.withGasp { gasp, db in
            let bad = try Self.temporaryFile(#"{"rat_v": "7.0.9", "modules": [{"module": "SimBackgrond", "n_ev": 5}], "labl": 1}"#, "bad.json")
            let refused = try await gasp("request", "submit", bad)
            #expect(refused.status == 2)
            #expect(refused.standardError.contains("3 problems; nothing was written"))
            let good = try Self.temporaryFile(#"{"rat_v": "7.0.9", "label": "mc", "modules": [{"module": "SimRunConditions", "run_numbers": [7, 8]}]}"#, "good.json")
            let first = try await gasp("request", "submit", good)
            #expect(first.status == 0, "\(first.standardError)")
            #expect(first.standardOutput.contains("created 2 passes"))
            let second = try await gasp("request", "submit", good)
            #expect(second.standardOutput.contains("created 0 passes"))
            #expect(try await F.jobCount(db) == 2)
        }
    }
}
