import JSON

extension ModuleCatalogue {
    /// Reads and validates a catalogue from its JSON form (a YAML file read as JSON, or the
    /// `catalogue:<version>` document). Every problem is collected and thrown together;
    /// `source` names the file or document, and `locate` turns key paths into line and column.
    public init(json: JSONValue, source: String, locate: KeyLocator? = nil) throws(ValidationFailure) {
        var reader = ProblemCollector(source: source, locate: locate)
        guard let catalogue = Self.read(json, &reader), reader.problems.isEmpty else {
            throw ValidationFailure(reader.problems)
        }
        self = catalogue
    }

    static let topKeys: Set<String> = ["_id", "_rev", "type", "version", "input_kinds", "calibration_run_types", "defaults", "modules", "run_types"]
    static let moduleKeys: Set<String> = ["kind", "level", "command", "outputs", "prerequisites", "resources", "retry", "priority", "production"]

    private static func read(_ json: JSONValue, _ r: inout ProblemCollector) -> ModuleCatalogue? {
        guard let top = r.object(json, at: "") else { return nil }
        r.rejectUnknown(top, known: topKeys, at: "")
        let version = r.requiredString(top, "version", at: "") ?? ""
        let inputKinds = r.strings(top, "input_kinds", at: "") ?? []
        let calibration = r.strings(top, "calibration_run_types", at: "") ?? []

        var defaultRetry = RetryPolicy()
        var defaultPriority = 0
        if let defaults = top["defaults"], let d = r.object(defaults, at: "defaults") {
            r.rejectUnknown(d, known: ["retry", "priority"], at: "defaults")
            if let retry = d["retry"] { defaultRetry = readRetry(retry, base: defaultRetry, at: "defaults.retry", &r) }
            defaultPriority = r.int(d, "priority", at: "defaults") ?? 0
        }

        var modules: [String: ModuleDefinition] = [:]
        var names: [String] = []
        var declared: Set<String> = []  // also the modules with problems, so references to them are not reported again
        var declaredOrder: [String] = []
        if let value = top["modules"], let list = r.object(value, at: "modules") {
            if list.isEmpty { r.add(.invalidValue, at: "modules", "lists no module") }
            for (name, body) in list {
                declared.insert(name)
                declaredOrder.append(name)
                let path = "modules." + name
                if !isName(name) { r.add(.invalidValue, at: path, "a module name is letters, digits, `_`, `-` and `.` (no `:`)") }
                guard let module = readModule(name, body, at: path, retry: defaultRetry, priority: defaultPriority, &r) else { continue }
                modules[name] = module
                names.append(name)
            }
        } else if top["modules"] == nil {
            r.add(.missingKey, at: "modules", "required: the modules of this version")
        }

        // Prerequisites name known modules and form no cycle.
        for name in names {
            for (index, prerequisite) in (modules[name]?.prerequisites ?? []).enumerated() where !declared.contains(prerequisite) {
                r.add(.unknownModule, at: "modules.\(name).prerequisites.\(index)", "unknown module \(prerequisite)" + suggestion(prerequisite, declaredOrder))
            }
        }
        for cycle in cycles(modules, names) {
            r.add(.cycle, at: "modules.\(cycle[0]).prerequisites", "prerequisites form a cycle: " + cycle.joined(separator: " → "))
        }
        // Commands use known placeholders; `{input}`/`{inputs}` find the files they stand for.
        for name in names {
            guard let module = modules[name] else { continue }
            let sources = readCommand(module, modules: modules, at: "modules.\(name).command", &r)
            modules[name]?.inputSources = sources
        }

        var runTypes: [(String, [String])] = []
        if let value = top["run_types"], let map = r.object(value, at: "run_types") {
            for (runType, list) in map {
                let path = "run_types." + runType
                guard let items = r.array(list, at: path) else { continue }
                var selected: [String] = []
                for (index, item) in items.enumerated() {
                    guard let module = r.string(item, at: "\(path).\(index)") else { continue }
                    if !declared.contains(module) {
                        r.add(.unknownModule, at: "\(path).\(index)", "unknown module \(module)" + suggestion(module, declaredOrder))
                    }
                    selected.append(module)
                }
                runTypes.append((runType, selected))
            }
        }
        for (index, runType) in calibration.enumerated() where !runTypes.contains(where: { $0.0 == runType }) {
            r.add(.invalidValue, at: "calibration_run_types.\(index)", "run type \(runType) is not in run_types")
        }
        var stripped = top
        for key in ["_id", "_rev", "type"] { stripped[key] = nil }
        return ModuleCatalogue(version: version, inputKinds: inputKinds, modules: modules, moduleNames: names,
                               runTypes: runTypes, calibrationRunTypes: calibration, source: .object(stripped))
    }

    private static func readModule(
        _ name: String, _ body: JSONValue, at path: String, retry: RetryPolicy, priority: Int, _ r: inout ProblemCollector
    ) -> ModuleDefinition? {
        guard let m = r.object(body, at: path) else { return nil }
        r.rejectUnknown(m, known: moduleKeys, at: path)
        let kind = r.enumValue(m, "kind", ModuleKind.self, at: path)
        let level = r.enumValue(m, "level", ModuleLevel.self, at: path)
        let command = r.requiredString(m, "command", at: path)
        var outputs: [OutputSpec] = []
        if let list = m["outputs"], let items = r.array(list, at: path + ".outputs") {
            for (index, item) in items.enumerated() {
                let itemPath = "\(path).outputs.\(index)"
                guard let o = r.object(item, at: itemPath) else { continue }
                r.rejectUnknown(o, known: ["data_type", "pattern"], at: itemPath)
                guard let dataType = r.requiredString(o, "data_type", at: itemPath), let pattern = r.requiredString(o, "pattern", at: itemPath) else { continue }
                if !isName(dataType) { r.add(.invalidValue, at: itemPath + ".data_type", "a data type is letters, digits, `_`, `-` and `.`") }
                for placeholder in placeholders(in: pattern) {
                    if !OutputSpec.placeholders.contains(placeholder) {
                        r.add(.invalidValue, at: itemPath + ".pattern", "unknown placeholder {\(placeholder)} (known: \(OutputSpec.placeholders.sorted().joined(separator: ", ")))")
                    } else if placeholder == "subrun", let level, !level.perSubfile {
                        r.add(.invalidValue, at: itemPath + ".pattern", "{subrun} in a \(level.rawValue) module, which has no subruns")
                    }
                }
                if level == .subRun, !pattern.contains("{subrun}") {
                    r.add(.invalidValue, at: itemPath + ".pattern", "a sub_run module's files need {subrun} to differ")
                }
                if outputs.contains(where: { $0.dataType == dataType }) {
                    r.add(.invalidValue, at: itemPath + ".data_type", "data type \(dataType) is listed twice")
                }
                outputs.append(OutputSpec(dataType: dataType, pattern: pattern))
            }
        }
        let prerequisites = r.strings(m, "prerequisites", at: path) ?? []
        if prerequisites.contains(name) { r.add(.cycle, at: path + ".prerequisites", "a module cannot be its own prerequisite") }
        var resources = Resources()
        if let value = m["resources"], let res = r.object(value, at: path + ".resources") {
            r.rejectUnknown(res, known: ["cores", "memory_mb", "walltime_seconds"], at: path + ".resources")
            resources.cores = r.positiveInt(res, "cores", at: path + ".resources") ?? 1
            resources.memoryMB = r.positiveInt(res, "memory_mb", at: path + ".resources")
            resources.walltimeSeconds = r.positiveInt(res, "walltime_seconds", at: path + ".resources")
        }
        let policy = m["retry"].map { readRetry($0, base: retry, at: path + ".retry", &r) } ?? retry
        var production: ProductionSpec?
        if let value = m["production"], let p = r.object(value, at: path + ".production") {
            r.rejectUnknown(p, known: ["modes", "template"], at: path + ".production")
            var modes: [ProductionMode] = []
            for (index, text) in (r.strings(p, "modes", at: path + ".production") ?? []).enumerated() {
                guard let mode = ProductionMode(rawValue: text) else {
                    r.add(.invalidValue, at: "\(path).production.modes.\(index)", "unknown mode \(text) (known: n_ev, t_run, run_numbers)")
                    continue
                }
                modes.append(mode)
            }
            if modes.isEmpty { r.add(.missingKey, at: path + ".production.modes", "required: n_ev, t_run and/or run_numbers") }
            let template = p["template"].flatMap { r.object($0, at: path + ".production.template") } ?? [:]
            production = ProductionSpec(modes: modes, template: template)
        }
        guard let kind, let level, let command else { return nil }
        return ModuleDefinition(name: name, kind: kind, level: level, command: command, outputs: outputs,
                                prerequisites: prerequisites, resources: resources, retry: policy,
                                priority: r.int(m, "priority", at: path) ?? priority, production: production)
    }

    /// Checks the placeholders of `module`'s command and returns where its `{input}` and
    /// `{inputs}` read from (see ``ModuleDefinition/inputSources``).
    private static func readCommand(
        _ module: ModuleDefinition, modules: [String: ModuleDefinition], at path: String, _ r: inout ProblemCollector
    ) -> [String: InputSource] {
        var sources: [String: InputSource] = [:]
        var seen: Set<ModuleCommand.Placeholder> = []
        for placeholder in module.parsedCommand.placeholders where seen.insert(placeholder).inserted {
            guard ModuleCommand.known.contains(placeholder.name) else {
                let hint = nearest(placeholder.name, ModuleCommand.known).map { " (did you mean {\($0)}?)" }
                    ?? " (known: " + ModuleCommand.known.map { "{\($0)}" }.joined(separator: ", ") + ")"
                r.add(.invalidValue, at: path, "unknown placeholder \(placeholder)" + hint)
                continue
            }
            if placeholder.name == "subrun", !module.level.perSubfile {
                r.add(.invalidValue, at: path, "{subrun} in a \(module.level.rawValue) module, which has no subruns")
            }
            guard placeholder.readsInput else {
                if placeholder.qualifier != nil {
                    r.add(.invalidValue, at: path, "\(placeholder): only {input} and {inputs} take a data type after `:`")
                }
                continue
            }
            let prerequisites = module.prerequisites.compactMap { modules[$0] }
            guard !module.prerequisites.isEmpty else {
                r.add(.invalidValue, at: path, "\(placeholder) stands for a prerequisite pass's files, but \(module.name) has no prerequisites")
                continue
            }
            guard prerequisites.count == module.prerequisites.count else { continue }  // reported where they are declared
            let source: InputSource
            if let dataType = placeholder.qualifier {
                guard let from = prerequisites.first(where: { $0.outputs.contains { $0.dataType == dataType } }) else {
                    let known = prerequisites.flatMap { $0.outputs.map(\.dataType) }
                    let hint = nearest(dataType, known).map { " (did you mean \($0)?)" }
                        ?? (known.isEmpty ? "" : " (they write: \(known.joined(separator: ", ")))")
                    r.add(.invalidValue, at: path, "\(placeholder): no prerequisite of \(module.name) writes data type \(dataType)" + hint)
                    continue
                }
                source = InputSource(module: from.name, dataType: dataType, perSubfile: from.level.perSubfile)
            } else {
                guard let output = prerequisites[0].outputs.first else {
                    r.add(.invalidValue, at: path, "\(placeholder): prerequisite \(prerequisites[0].name) lists no outputs to read")
                    continue
                }
                source = InputSource(module: prerequisites[0].name, dataType: output.dataType, perSubfile: prerequisites[0].level.perSubfile)
            }
            if placeholder.name == "input", source.perSubfile, !module.level.perSubfile {
                r.add(.invalidValue, at: path, "\(placeholder) is one file, but \(module.name) runs once per run and \(source.module) "
                    + "writes one \(source.dataType) file per subrun: use {inputs\(placeholder.qualifier.map { ":" + $0 } ?? "")}")
                continue
            }
            sources[placeholder.qualifier ?? ""] = source
        }
        return sources
    }

    private static func readRetry(_ value: JSONValue, base: RetryPolicy, at path: String, _ r: inout ProblemCollector) -> RetryPolicy {
        guard let m = r.object(value, at: path) else { return base }
        r.rejectUnknown(m, known: ["max_attempts", "initial_delay_seconds", "multiplier", "max_delay_seconds", "jitter", "transient"], at: path)
        var policy = base
        policy.maxAttempts = r.int(m, "max_attempts", at: path) ?? base.maxAttempts
        policy.initialDelay = r.number(m, "initial_delay_seconds", at: path) ?? base.initialDelay
        policy.multiplier = r.number(m, "multiplier", at: path) ?? base.multiplier
        policy.maxDelay = r.number(m, "max_delay_seconds", at: path) ?? max(base.maxDelay, policy.initialDelay)
        policy.jitter = r.number(m, "jitter", at: path) ?? base.jitter
        policy.transientPatterns = r.strings(m, "transient", at: path) ?? base.transientPatterns
        for problem in policy.problems() { r.add(.invalidValue, at: path + "." + problem.key, problem.message) }
        return policy
    }

    static func isName(_ text: String) -> Bool {
        !text.isEmpty && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) }
    }

    static func placeholders(in pattern: String) -> [String] {
        var found: [String] = []
        var rest = Substring(pattern)
        while let open = rest.firstIndex(of: "{") {
            guard let close = rest[open...].firstIndex(of: "}") else { break }
            found.append(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return found
    }

    /// ` (did you mean X?)` for the nearest known name, when one is close.
    static func suggestion(_ name: String, _ known: [String]) -> String {
        nearest(name, known).map { " (did you mean \($0)?)" } ?? ""
    }

    /// The known name nearest to `name` by edit distance, when it is close.
    static func nearest(_ name: String, _ known: [String]) -> String? {
        let lower = name.lowercased()
        let best = known.map { ($0, editDistance(lower, $0.lowercased())) }.min { $0.1 < $1.1 }
        guard let best, best.1 <= max(2, name.count / 3) else { return nil }
        return best.0
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var row = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in 1...max(b.count, 1) where !b.isEmpty {
                let current = row[j]
                row[j] = a[i - 1] == b[j - 1] ? previous : min(previous, row[j], row[j - 1]) + 1
                previous = current
            }
        }
        return a.isEmpty ? b.count : row[b.count]
    }

    private static func cycles(_ modules: [String: ModuleDefinition], _ names: [String]) -> [[String]] {
        var found: [[String]] = []
        var done: Set<String> = []
        func walk(_ name: String, _ stack: [String]) {
            if let start = stack.firstIndex(of: name) {
                let cycle = Array(stack[start...]) + [name]
                if !found.contains(where: { Set($0) == Set(cycle) }) { found.append(cycle) }
                return
            }
            guard !done.contains(name), let module = modules[name] else { return }
            for prerequisite in module.prerequisites where prerequisite != name { walk(prerequisite, stack + [name]) }
            if stack.isEmpty { done.insert(name) }
        }
        for name in names { walk(name, []) }
        return found
    }
}
