import Backends
import Foundation
import Processing

/// What one subjob of one attempt of a pass is in the batch system: its name (the pass's
/// identity and attempt, so a worker that crashed between claiming and recording can find it),
/// its working directory (also where its outputs go) and its script.
struct BatchJobPlan: Sendable, Hashable {
    let module: String
    let run: Int
    let pass: Int
    let attempt: Int
    let subrun: Int?

    /// `gasp.<module>.<run10>.p<pass>.a<attempt>[.s<subrun>]`: letters, digits and dots only,
    /// which every batch system accepts as a job name.
    var name: String {
        "gasp.\(module).\(RunNumber.padded(run)).p\(pass).a\(attempt)" + (subrun.map { ".s\($0)" } ?? "")
    }

    /// `<root>/<module>/<run10>/p<pass>/a<attempt>`.
    func directory(root: String) -> String {
        "\(root)/\(module)/\(RunNumber.padded(run))/p\(pass)/a\(attempt)"
    }

    /// The batch request: the module's command with its placeholders (``ModuleCommand``)
    /// filled in, `inputs` giving what `{input}`/`{inputs}` stand for (``CommandInputs``), run in
    /// the attempt's directory, with the pass's identity in `GASP_*` variables.
    func request(
        module definition: ModuleDefinition, pass: Pass, root: String, inputs: [ModuleCommand.Placeholder: String] = [:]
    ) -> BackendJobRequest {
        let directory = directory(root: root)
        let suffix = subrun.map { ".s\($0)" } ?? ""
        var values: [(String, String)] = [
            ("run10", RunNumber.padded(run)), ("run", String(run)), ("subrun", subrun.map(String.init) ?? ""),
            ("pass", String(self.pass)), ("attempt", String(attempt)), ("module", module), ("version", pass.version),
            ("input_kind", pass.inputKind ?? ""), ("output", directory), ("conditions_tag", pass.conditionsTag ?? ""),
        ]
        if let events = pass.request?["n_ev"]?.intValue ?? pass.request?["ev_per_run"]?.intValue { values.append(("events", String(events))) }
        // A scheduled window's bounds, for data grabbers (`--stopat END --seconds N`).
        if let start = pass.request?["start"]?.stringValue, let end = pass.request?["end"]?.stringValue {
            values += [("window_start", start), ("window_end", end)]
        }
        let byName = Dictionary(values, uniquingKeysWith: { a, _ in a })
        let command = definition.parsedCommand.expand { placeholder in
            placeholder.readsInput ? inputs[placeholder] : placeholder.qualifier == nil ? byName[placeholder.name] : nil
        }
        var environment = Dictionary(uniqueKeysWithValues: values.map { ("GASP_" + $0.0.uppercased(), $0.1) })
        for (placeholder, value) in inputs where placeholder.qualifier == nil { environment["GASP_" + placeholder.name.uppercased()] = value }
        return BackendJobRequest(
            name: name, script: "set -e\nmkdir -p '\(directory)'\ncd '\(directory)'\n\(command)\n",
            workingDirectory: directory,
            standardOutputPath: "\(directory)/job\(suffix).out", standardErrorPath: "\(directory)/job\(suffix).err",
            resources: BackendResources(
                cores: definition.resources.cores, memoryMB: definition.resources.memoryMB,
                wallTimeSeconds: definition.resources.walltimeSeconds),
            environment: environment)
    }
}
