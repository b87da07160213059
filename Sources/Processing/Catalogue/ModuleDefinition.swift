import JSON

/// How a module runs.
public enum ModuleKind: String, Sendable, Hashable, CaseIterable {
    /// A RAT-style macro run by the experiment's software.
    case macro
    /// A script run as it is.
    case script
}

/// What one batch job of a module covers.
public enum ModuleLevel: String, Sendable, Hashable, CaseIterable {
    /// One subjob per subfile of the run.
    case subRun = "sub_run"
    /// One subjob for the whole run.
    case run
    /// One subjob for the run, reading the raw (zdab) files.
    case runZdab = "run_zdab"
    /// One subjob for the run, reading ROOT files.
    case runRoot = "run_root"

    /// True when each subfile is a subjob of its own.
    public var perSubfile: Bool { self == .subRun }
}

/// One expected output of a module: a data type and the file-name pattern of its files.
public struct OutputSpec: Sendable, Hashable {
    /// The data type (`ratds`, `ntuple`, …): the `data:` document it is catalogued in.
    public var dataType: String
    /// The file name with placeholders: `{run}`, `{run10}`, `{subrun}` (sub_run modules),
    /// `{pass}`, `{module}`, `{version}`, `{input_kind}`, `{data_type}`.
    public var pattern: String

    /// Makes an output.
    public init(dataType: String, pattern: String) {
        self.dataType = dataType
        self.pattern = pattern
    }

    /// The placeholders a pattern may use.
    public static let placeholders: Set<String> = ["run", "run10", "subrun", "pass", "module", "version", "input_kind", "data_type"]

    /// The file name for one subjob.
    public func fileName(module: String, run: Int, subrun: Int?, pass: Int, version: String, inputKind: String?) -> String {
        var name = pattern
        let values: [(String, String)] = [
            ("run10", RunNumber.padded(run)), ("run", String(run)), ("subrun", subrun.map(String.init) ?? ""),
            ("pass", String(pass)), ("module", module), ("version", version), ("input_kind", inputKind ?? ""),
            ("data_type", dataType),
        ]
        for (key, value) in values { name = name.replacingOccurrences(of: "{\(key)}", with: value) }
        return name
    }
}

/// The batch resources one subjob asks for.
public struct Resources: Sendable, Hashable {
    public var cores: Int
    public var memoryMB: Int?
    public var walltimeSeconds: Int?

    /// Makes resources.
    public init(cores: Int = 1, memoryMB: Int? = nil, walltimeSeconds: Int? = nil) {
        self.cores = cores
        self.memoryMB = memoryMB
        self.walltimeSeconds = walltimeSeconds
    }
}

/// How a production (simulation) module is asked for events.
public enum ProductionMode: String, Sendable, Hashable, CaseIterable {
    /// `n_ev` events in all, `ev_per_run` per job.
    case events = "n_ev"
    /// `n_runs` jobs of `t_run` seconds each.
    case time = "t_run"
    /// One job per run in `run_numbers` (simulating those runs' conditions).
    case runNumbers = "run_numbers"
}

/// A production module's parameters: the modes it accepts and its template of defaults.
public struct ProductionSpec: Sendable, Hashable {
    public var modes: [ProductionMode]
    /// Default parameters, overridden by a request's `template`.
    public var template: JSONObject

    /// Makes a spec.
    public init(modes: [ProductionMode], template: JSONObject? = nil) {
        self.modes = modes
        self.template = template ?? [:]
    }
}

/// Where a module's `{input}` / `{inputs}` files come from: one data type of one prerequisite
/// module, found through the pass's prerequisite link to that module.
public struct InputSource: Sendable, Hashable {
    /// The prerequisite module.
    public var module: String
    /// Its data type (the `data:` document) the files are read from.
    public var dataType: String
    /// True when that module writes one file per subrun.
    public var perSubfile: Bool

    /// Makes a source.
    public init(module: String, dataType: String, perSubfile: Bool) {
        self.module = module
        self.dataType = dataType
        self.perSubfile = perSubfile
    }
}

/// One module of a catalogue.
public struct ModuleDefinition: Sendable, Hashable {
    public var name: String
    public var kind: ModuleKind
    public var level: ModuleLevel
    /// The command template the backend runs; its placeholders are ``ModuleCommand/known``.
    public var command: String
    /// Where `{input}`/`{inputs}` read from, by the placeholder's data type (`""` for none: the
    /// first prerequisite's first listed output). Filled in when the catalogue is read.
    public var inputSources: [String: InputSource] = [:]
    /// What a completed pass must have produced.
    public var outputs: [OutputSpec]
    /// Modules whose pass of the same run must complete first.
    public var prerequisites: [String]
    public var resources: Resources
    public var retry: RetryPolicy
    /// The priority new passes get unless the request says otherwise.
    public var priority: Int
    /// Set for production modules.
    public var production: ProductionSpec?

    /// Makes a module.
    public init(
        name: String, kind: ModuleKind, level: ModuleLevel, command: String, outputs: [OutputSpec] = [],
        prerequisites: [String] = [], resources: Resources = Resources(), retry: RetryPolicy = RetryPolicy(),
        priority: Int = 0, production: ProductionSpec? = nil, inputSources: [String: InputSource] = [:]
    ) {
        self.name = name
        self.kind = kind
        self.level = level
        self.command = command
        self.outputs = outputs
        self.prerequisites = prerequisites
        self.resources = resources
        self.retry = retry
        self.priority = priority
        self.production = production
        self.inputSources = inputSources
    }

    /// The command split into text and placeholders.
    public var parsedCommand: ModuleCommand { ModuleCommand(command) }

    /// The subjobs of a new pass for a run with `subfiles` subfiles.
    public func subjobs(subfiles: Int) -> [Subjob] {
        level.perSubfile ? (0..<max(subfiles, 1)).map { Subjob(subrun: $0) } : [Subjob(subrun: nil)]
    }
}
