import JSON

/// The module catalogue of one software version: its modules and which modules each run type
/// gets. Read from a YAML file (`Ops/examples/catalogue-<version>.yaml`) or from the
/// `module_catalogue` document `catalogue:<version>` holding the same content, and validated
/// completely before any job is created (see ``init(json:source:locate:)``).
public struct ModuleCatalogue: Sendable, Hashable {
    /// The software version.
    public var version: String
    /// The input kinds jobs of this version may read (e.g. `L1`, `L2`); empty allows any.
    public var inputKinds: [String]
    /// Modules by name, in the order the source lists them.
    public var modules: [String: ModuleDefinition]
    /// Module names in source order.
    public var moduleNames: [String]
    /// Run type → modules created for runs of that type, in source order.
    public var runTypes: [(runType: String, modules: [String])]
    /// Run types that are calibrations: a run of one sets `calibration_lock:<run type>`.
    public var calibrationRunTypes: [String]
    /// The validated source (YAML as JSON, or the document without `_id`, `_rev`, `type`).
    public var source: JSONValue

    /// The modules for runs of `runType` (nil when the catalogue has no entry for it).
    public func modules(forRunType runType: String) -> [String]? {
        runTypes.first { $0.runType == runType }?.modules
    }

    /// The module named `name`.
    public func module(_ name: String) -> ModuleDefinition? { modules[name] }

    /// Whether runs of `runType` set a calibration lock.
    public func isCalibration(runType: String) -> Bool { calibrationRunTypes.contains(runType) }

    /// The id of the document for `version`.
    public static func id(version: String) -> String { "catalogue:" + version }

    /// The `module_catalogue` document holding this catalogue.
    public var document: JSONValue {
        var m: JSONObject = ["_id": .string(Self.id(version: version)), "type": "module_catalogue"]
        for (key, value) in source.objectValue ?? [:] where m[key] == nil { m[key] = value }
        return .object(m)
    }

    public static func == (a: ModuleCatalogue, b: ModuleCatalogue) -> Bool { a.source == b.source }
    public func hash(into hasher: inout Hasher) { hasher.combine(source) }

    /// Module names in an order where every module comes after its prerequisites.
    public func dependencyOrder(_ names: [String]) -> [String] {
        var ordered: [String] = []
        var seen: Set<String> = []
        func visit(_ name: String) {
            guard !seen.contains(name) else { return }
            seen.insert(name)
            for prerequisite in modules[name]?.prerequisites ?? [] where names.contains(prerequisite) { visit(prerequisite) }
            ordered.append(name)
        }
        for name in names { visit(name) }
        return ordered
    }
}
