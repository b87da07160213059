import Foundation
import JSON
import Processing
import Testing

@Suite("Command placeholders and input files")
struct ModuleCommandTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    /// Processing (sub_run, two outputs), Analysis (run level, reading every ratds file), Merge
    /// (sub_run, reading its subrun's ntuple file).
    static let catalogue: ModuleCatalogue = {
        let json: JSONValue = [
            "version": "v1",
            "modules": [
                "Processing": ["kind": "macro", "level": "sub_run", "command": "rat -o {output} ${HOME}/p.mac {a,b} awk '{print $1}'",
                               "outputs": [["data_type": "ratds", "pattern": "P_{run10}_s{subrun}_p{pass}.root"],
                                           ["data_type": "ntuple", "pattern": "P_{run10}_s{subrun}_p{pass}.ntuple"]]],
                "Analysis": ["kind": "macro", "level": "run", "command": "rat -i {inputs} -o {output}", "prerequisites": ["Processing"]],
                "Merge": ["kind": "script", "level": "sub_run", "command": "merge {input:ntuple} {input}", "prerequisites": ["Processing"]],
            ],
        ]
        return try! ModuleCatalogue(json: json, source: "c.yaml")
    }()

    static func data(files: [(Int?, String)], dataType: String = "ratds") -> DataDocument {
        DataDocument(module: "Processing", run: 12, pass: 2, dataType: dataType, version: "v1", files: files.map { subrun, path in
            DataDocument.File(subrun: subrun, name: String(path.split(separator: "/").last!), size: 10, adler32: "00000001",
                              location: path, site: "site-a")
        })
    }

    static func pass(of module: String, prerequisitePass: Int? = 2) -> Pass {
        Pass(pass: 1, version: "v1", created: t0, prerequisites: prerequisitePass.map { [PrerequisiteLink(module: "Processing", pass: $0)] } ?? [])
    }

    @Test("a command splits into text and placeholders; what the shell owns in braces is left alone")
    func parse() throws {
        let template = ModuleCommand("a {run}{subrun} ${HOME} {a,b} awk '{print $1}' find -exec {} \\; {input:ntuple} {Run}")
        #expect(template.placeholders.map(\.description) == ["{run}", "{subrun}", "{input:ntuple}"])
        #expect(template.readsInput)
        let expanded = template.expand { p in p.name == "run" ? "12" : p.name == "subrun" ? "3" : nil }
        #expect(expanded == "a 123 ${HOME} {a,b} awk '{print $1}' find -exec {} \\; {input:ntuple} {Run}")
        #expect(!ModuleCommand("rat {output}").readsInput)
    }

    @Test("the catalogue records where {input} and {inputs} read from")
    func sources() throws {
        let analysis = try #require(Self.catalogue.module("Analysis"))
        #expect(analysis.inputSources == ["": InputSource(module: "Processing", dataType: "ratds", perSubfile: true)])
        let merge = try #require(Self.catalogue.module("Merge"))
        #expect(merge.inputSources["ntuple"] == InputSource(module: "Processing", dataType: "ntuple", perSubfile: true))
        #expect(merge.inputSources[""]?.dataType == "ratds")
    }

    @Test("{inputs} of a run module is every subrun's file, in subrun order; {input} of a sub_run module its subrun's one")
    func expansion() throws {
        let ratds = Self.data(files: [(1, "/out/P/s1.root"), (0, "/out/P/s0.root"), (2, "/scratch/my data/s2.root")])
        let ntuple = Self.data(files: [(0, "/out/P/s0.ntuple"), (1, "/out/P/s1.ntuple")], dataType: "ntuple")
        let documents = [ratds.id: ratds, ntuple.id: ntuple]
        let analysis = try #require(Self.catalogue.module("Analysis"))
        #expect(try CommandInputs.documentIDs(module: analysis, pass: Self.pass(of: "Analysis"), run: 12).get() == ["data:Processing:0000000012:2:ratds"])
        let values = try CommandInputs.values(module: analysis, pass: Self.pass(of: "Analysis"), run: 12, subrun: nil, documents: documents).get()
        let command = analysis.parsedCommand.expand { p in p.readsInput ? values[p] : p.name == "output" ? "/out/A" : nil }
        #expect(command == "rat -i /out/P/s0.root /out/P/s1.root '/scratch/my data/s2.root' -o /out/A")

        let merge = try #require(Self.catalogue.module("Merge"))
        let ids = try CommandInputs.documentIDs(module: merge, pass: Self.pass(of: "Merge"), run: 12).get()
        #expect(Set(ids) == [ratds.id, ntuple.id])
        let sub1 = try CommandInputs.values(module: merge, pass: Self.pass(of: "Merge"), run: 12, subrun: 1, documents: documents).get()
        #expect(merge.parsedCommand.expand { sub1[$0] } == "merge /out/P/s1.ntuple /out/P/s1.root")
    }

    @Test("missing data, a missing link, no file, several files for {input}: each fails naming the data document")
    func failures() throws {
        let merge = try #require(Self.catalogue.module("Merge"))
        let analysis = try #require(Self.catalogue.module("Analysis"))
        let ntuple = Self.data(files: [(0, "/out/P/s0.ntuple")], dataType: "ntuple")
        func error(_ result: Result<[ModuleCommand.Placeholder: String], InputError>) -> InputError? {
            if case .failure(let e) = result { e } else { nil }
        }
        let missing = error(CommandInputs.values(module: merge, pass: Self.pass(of: "Merge"), run: 12, subrun: 0, documents: [ntuple.id: ntuple]))
        #expect(missing == InputError(.missingData, "input data data:Processing:0000000012:2:ratds does not exist (for {input})"))
        let noLink = CommandInputs.documentIDs(module: analysis, pass: Self.pass(of: "Analysis", prerequisitePass: nil), run: 12)
        guard case .failure(let linkError) = noLink else { Issue.record("must fail"); return }
        #expect(linkError.code == .noPrerequisiteLink)
        let ratds = Self.data(files: [(0, "/out/P/s0.root")])
        let noFile = error(CommandInputs.values(module: merge, pass: Self.pass(of: "Merge"), run: 12, subrun: 1, documents: [ntuple.id: ntuple, ratds.id: ratds]))
        #expect(noFile?.code == .noFile)
        #expect(noFile?.message.contains("data:Processing:0000000012:2:ntuple has no file for subrun 1") == true)
        // A hand-made definition whose run-level {input} meets two files.
        var single = analysis
        single.command = "rat -i {input}"
        let two = Self.data(files: [(0, "/a.root"), (1, "/b.root")])
        let several = error(CommandInputs.values(module: single, pass: Self.pass(of: "Analysis"), run: 12, subrun: nil, documents: [two.id: two]))
        #expect(several?.code == .severalFiles)
    }

    @Test("unknown placeholders in commands are rejected, naming the nearest known one; {input} needs a prerequisite that writes it")
    func rejected() {
        var json = CatalogueTests.good
        json["modules"]?["Processing"]?["command"] = "rat {runn} {bogus} {run:x}"
        json["modules"]?["Analysis"]?["command"] = "rat {input} {inputs:ntupel}"
        json["modules"]?["PCACal"]?["command"] = "pca {inputs} {subrun}"
        let positions: [String: (Int, Int)] = ["modules.Processing.command": (6, 5)]
        do {
            _ = try ModuleCatalogue(json: json, source: "c.yaml") { positions[$0].map { (line: $0.0, column: $0.1) } }
            Issue.record("must fail")
        } catch {
            let lines = error.problems.map(\.description)
            #expect(lines.contains("c.yaml:6:5: modules.Processing.command: unknown placeholder {runn} (did you mean {run}?)"))
            #expect(lines.contains { $0.hasPrefix("c.yaml:6:5: modules.Processing.command: unknown placeholder {bogus} (known: {run}, {run10}") })
            #expect(lines.contains("c.yaml:6:5: modules.Processing.command: {run:x}: only {input} and {inputs} take a data type after `:`"))
            #expect(lines.contains { $0.hasSuffix("modules.Analysis.command: {input} is one file, but Analysis runs once per run and Processing writes one ratds file per subrun: use {inputs}") })
            #expect(lines.contains { $0.hasSuffix("modules.Analysis.command: {inputs:ntupel}: no prerequisite of Analysis writes data type ntupel (they write: ratds)") })
            #expect(lines.contains { $0.hasSuffix("modules.PCACal.command: {inputs} stands for a prerequisite pass's files, but PCACal has no prerequisites") })
            #expect(lines.contains { $0.hasSuffix("modules.PCACal.command: {subrun} in a run_zdab module, which has no subruns") })
            #expect(error.problems.count == 7, "\(lines)")
        }
    }
}
