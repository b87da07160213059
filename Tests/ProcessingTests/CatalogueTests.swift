import JSON
import Processing
import Testing

@Suite("Module catalogue")
struct CatalogueTests {
    static let good: JSONValue = [
        "version": "7.0.9",
        "input_kinds": ["L1", "L2"],
        "calibration_run_types": ["PCA"],
        "defaults": ["retry": ["max_attempts": 4, "transient": ["timeout"]]],
        "modules": [
            "Processing": ["kind": "macro", "level": "sub_run", "command": "rat {run}",
                           "outputs": [["data_type": "ratds", "pattern": "P_{run10}_s{subrun}_p{pass}.root"]]],
            "Analysis": ["kind": "macro", "level": "run", "command": "rat", "prerequisites": ["Processing"],
                         "retry": ["max_attempts": 1]],
            "PCACal": ["kind": "script", "level": "run_zdab", "command": "pca"],
        ],
        "run_types": ["Physics": ["Processing", "Analysis"], "PCA": ["PCACal"]],
    ]

    @Test("a valid catalogue reads into modules, levels, defaults and run types")
    func valid() throws {
        let catalogue = try ModuleCatalogue(json: Self.good, source: "c.yaml")
        #expect(catalogue.moduleNames == ["Processing", "Analysis", "PCACal"])
        #expect(catalogue.module("Processing")?.level == .subRun)
        #expect(catalogue.module("Processing")?.retry.maxAttempts == 4)
        #expect(catalogue.module("Analysis")?.retry.maxAttempts == 1)
        #expect(catalogue.module("Analysis")?.retry.transientPatterns == ["timeout"])
        #expect(catalogue.modules(forRunType: "Physics") == ["Processing", "Analysis"])
        #expect(catalogue.isCalibration(runType: "PCA"))
        #expect(catalogue.dependencyOrder(["Analysis", "Processing"]) == ["Processing", "Analysis"])
        #expect(catalogue.module("Processing")?.subjobs(subfiles: 3).map(\.subrun) == [0, 1, 2])
        #expect(catalogue.module("Analysis")?.subjobs(subfiles: 3).map(\.subrun) == [nil])
        #expect(catalogue.document["_id"] == "catalogue:7.0.9")
        #expect(catalogue.document["type"] == "module_catalogue")
        #expect(try ModuleCatalogue(json: catalogue.document, source: "catalogue:7.0.9") == catalogue, "the document reads back to the same catalogue")
        #expect(catalogue.module("Processing")?.outputs[0].fileName(module: "Processing", run: 12, subrun: 3, pass: 2, version: "7.0.9", inputKind: "L2")
            == "P_0000000012_s3_p2.root")
    }

    @Test("every problem is reported at once, each with its key and position")
    func problems() {
        var bad = Self.good
        bad["modules"]?["Analysis"]?["prerequisites"] = ["Procesing"]
        bad["modules"]?["Processing"]?["levle"] = "run"
        bad["modules"]?["PCACal"]?["level"] = "subrun"
        bad["run_types"]?["ECA"] = ["ECACal"]
        bad["calibration_run_types"] = ["PCA", "Laser"]
        bad["modules"]?["Processing"]?["outputs"] = [["data_type": "ratds", "pattern": "P_{run}_{subrn}.root"]]
        let positions: [String: (Int, Int)] = ["modules.Analysis.prerequisites.0": (12, 7), "modules.Processing": (3, 3)]
        do {
            _ = try ModuleCatalogue(json: bad, source: "c.yaml") { positions[$0].map { (line: $0.0, column: $0.1) } }
            Issue.record("a bad catalogue must not read")
        } catch {
            let lines = error.problems.map(\.description)
            #expect(lines.contains("c.yaml:12:7: modules.Analysis.prerequisites.0: unknown module Procesing (did you mean Processing?)"))
            #expect(lines.contains { $0.hasPrefix("c.yaml:3:3: modules.Processing.levle: unknown key (did you mean level?)") })
            #expect(lines.contains { $0.contains("modules.PCACal.level: unknown level subrun (known: sub_run, run, run_zdab, run_root)") })
            #expect(lines.contains { $0.contains("run_types.ECA.0: unknown module ECACal") })
            #expect(lines.contains { $0.contains("calibration_run_types.1: run type Laser is not in run_types") })
            #expect(lines.contains { $0.contains("modules.Processing.outputs.0.pattern: unknown placeholder {subrn}") })
            #expect(lines.contains { $0.contains("a sub_run module's files need {subrun}") })
            #expect(error.problems.count == 7)
        }
    }

    @Test("missing keys, wrong types and prerequisite cycles")
    func shapes() {
        let bad: JSONValue = [
            "modules": [
                "A": ["kind": "macro", "level": "run", "command": "a", "prerequisites": ["B"], "priority": "high"],
                "B": ["kind": "macro", "level": "run", "command": "b", "prerequisites": ["A"], "resources": ["cores": 0]],
                "C": ["kind": "macro", "level": "run"],
            ],
        ]
        do {
            _ = try ModuleCatalogue(json: bad, source: "doc")
            Issue.record("must fail")
        } catch {
            let keys = error.problems.map { $0.key ?? "" }
            #expect(keys.contains("version"))
            #expect(keys.contains("modules.A.priority"))
            #expect(keys.contains("modules.C.command"))
            #expect(keys.contains("modules.B.resources.cores"))
            #expect(error.problems.contains { $0.code == .cycle })
        }
    }
}
