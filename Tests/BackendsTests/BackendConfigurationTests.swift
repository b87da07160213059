import Foundation
import Testing
@testable import Backends

struct BackendConfigurationTests {
    @Test func slurmSettingsDecodeFromJSON() throws {
        let json = """
            {"kind": "slurm", "partition": "short", "accounting": "never", "extra_submit_arguments": ["--constraint=x"],
             "environment": {"SLURM_CONF": "/etc/slurm/test.conf"}, "find_lookback_days": 2, "sbatch": "/opt/slurm/bin/sbatch"}
            """
        let configuration = try JSONDecoder().decode(BackendConfiguration.self, from: Data(json.utf8))
        #expect(configuration.kind == "slurm")
        let backend = try #require(try configuration.makeBackend() as? SlurmBackend)
        #expect(backend.configuration.partition == "short")
        #expect(backend.configuration.accounting == .never)
        #expect(backend.configuration.extraSubmitArguments == ["--constraint=x"])
        #expect(backend.configuration.environment == ["SLURM_CONF": "/etc/slurm/test.conf"])
        #expect(backend.configuration.findLookback == .seconds(2 * 86_400))
        #expect(backend.configuration.sbatch == "/opt/slurm/bin/sbatch")
    }

    @Test func localSettingsFromADictionary() async throws {
        let scratch = try Scratch("config-local")
        defer { scratch.remove() }
        let configuration = try BackendConfiguration(dictionary: ["kind": "local", "state_directory": scratch.path, "capacity": 4])
        let backend = try #require(try configuration.makeBackend() as? LocalBackend)
        #expect(backend.capacity == 4)
        #expect(backend.kind == "local")
    }

    @Test func presetsAndTemplates() throws {
        for kind in ["pbs", "sge", "lsf"] {
            #expect(try BackendConfiguration(kind: kind).makeBackend().kind == kind)
        }
        let template: [String: Any] = [
            "submit": [["mysubmit", "{script}"]], "submitted_id_pattern": "id=(\\d+)",
            "status": ["command": [["mystat"], ["{ids}"]], "id_pattern": "^(\\d+) ", "state_pattern": "^\\d+ (\\w+)"],
            "cancel": [["mykill"], ["{ids}"]], "state_map": ["W": "queued", "R": "running", "D": "completed"],
        ]
        let backend = try BackendConfiguration(dictionary: ["kind": "template", "template": template]).makeBackend()
        let templated = try #require(backend as? TemplateBackend)
        #expect(templated.template.stateMap["R"] == .running)
        #expect(templated.template.status.command == [["mystat"], ["{ids}"]])
    }

    @Test(arguments: [
        (["kind": "slurm", "partitoin": "short"], "partitoin: unknown setting"),
        (["kind": "slurm", "partition": 3], "partition: must be a string"),
        (["kind": "slurm", "accounting": "sometimes"], "accounting: must be auto, always or never"),
        (["kind": "local"], "state_directory: missing"),
        (["kind": "local", "state_directory": "/tmp/x", "capacity": "many"], "capacity: must be a whole number"),
        (["kind": "template"], "template: missing"),
        (["kind": "moab"], "kind \"moab\" is not one of"),
        (["partition": "short"], "kind is missing"),
    ] as [([String: any Sendable], String)])
    func mistakesNameTheKey(dictionary: [String: any Sendable], message: String) {
        do {
            _ = try BackendConfiguration(dictionary: dictionary).makeBackend()
            Issue.record("accepted \(dictionary)")
        } catch {
            #expect(error.code == .invalidConfiguration)
            #expect(error.message.contains(message), "\(error.message)")
        }
    }
}
