import JSON

/// A production (simulation) request, as `production_submit` took it:
///
/// ```json
/// {"rat_v": "7.0.9", "label": "mc-2026a", "priority": 3, "template": {"geometry": "full"},
///  "modules": [
///    {"module": "SimSolar", "n_ev": 100000, "ev_per_run": 5000},
///    {"module": "SimBackground", "t_run": 3600, "n_runs": 10, "first_run": 1},
///    {"module": "SimRunConditions", "run_numbers": [300000, 300001], "template": {"seed": 7}}]}
/// ```
///
/// Each module uses exactly one mode: `n_ev` with `ev_per_run` (⌈n_ev / ev_per_run⌉ jobs, the
/// last one taking the remainder), `t_run` with `n_runs` (n_runs jobs of t_run seconds), or
/// `run_numbers` (one job per run). The first two number their jobs from `first_run`
/// (default 1). A module's `template` overrides the request's, which overrides the catalogue's.
public struct ProductionRequest: Sendable, Hashable {
    /// One module's part of the request.
    public struct Item: Sendable, Hashable {
        public enum Mode: Sendable, Hashable {
            case events(total: Int, perRun: Int)
            case time(secondsPerRun: Int, runs: Int)
            case runNumbers([Int])
        }

        public var module: String
        public var mode: Mode
        public var firstRun: Int
        public var template: JSONObject
        public var priority: Int?

        /// The job runs and each job's parameters beyond the template.
        public var jobs: [(run: Int, parameters: JSONObject)] {
            switch mode {
            case .events(let total, let perRun):
                let count = (total + perRun - 1) / perRun
                return (0..<count).map { index in
                    let events = index == count - 1 ? total - perRun * (count - 1) : perRun
                    return (firstRun + index, ["mode": "n_ev", "n_ev": .int(total), "ev_per_run": .int(perRun), "events": .int(events)])
                }
            case .time(let seconds, let runs):
                return (0..<runs).map { (firstRun + $0, ["mode": "t_run", "t_run": .int(seconds), "n_runs": .int(runs)]) }
            case .runNumbers(let runs):
                return runs.map { ($0, ["mode": "run_numbers"]) }
            }
        }
    }

    /// The software version (`rat_v`, or `version`).
    public var version: String
    public var label: String?
    public var priority: Int?
    public var template: JSONObject
    public var items: [Item]
    /// The request id given in the file (`request_id`), if any.
    public var requestID: String?
    /// The request as read, for the deterministic id.
    public var source: JSONValue

    static let topKeys: Set<String> = ["rat_v", "version", "label", "priority", "template", "modules", "request_id"]
    static let itemKeys: Set<String> = ["module", "n_ev", "ev_per_run", "t_run", "n_runs", "run_numbers", "first_run", "template", "priority"]

    /// The version a request names (`rat_v` or `version`), to find its catalogue before the
    /// request is read in full.
    public static func version(in json: JSONValue) -> String? {
        (json["rat_v"] ?? json["version"])?.stringValue
    }

    /// Reads a request and checks it against `catalogue` (when given; otherwise only its
    /// shape): every problem is collected and thrown together, `source` naming the file.
    public init(json: JSONValue, source: String, catalogue: ModuleCatalogue?) throws(ValidationFailure) {
        var r = ProblemCollector(source: source, locate: nil)
        guard let top = r.object(json, at: "") else { throw ValidationFailure(r.problems) }
        r.rejectUnknown(top, known: Self.topKeys, at: "")
        var version = ""
        if top["rat_v"] != nil, top["version"] != nil { r.add(.invalidValue, at: "version", "give rat_v or version, not both") }
        if let value = top["rat_v"] ?? top["version"] {
            version = r.string(value, at: top["rat_v"] != nil ? "rat_v" : "version") ?? ""
        } else {
            r.add(.missingKey, at: "rat_v", "required: the software version")
        }
        if let catalogue, !version.isEmpty, version != catalogue.version {
            r.add(.unknownVersion, at: "rat_v", "version \(version) does not match the catalogue's \(catalogue.version)")
        }
        let label = top["label"].flatMap { r.string($0, at: "label") }
        if let label, label.isEmpty { r.add(.invalidValue, at: "label", "must not be empty") }
        let priority = r.int(top, "priority", at: "")
        let template = top["template"].flatMap { r.object($0, at: "template") } ?? [:]
        let requestID = top["request_id"].flatMap { r.string($0, at: "request_id") }
        var items: [Item] = []
        if let value = top["modules"], let list = r.array(value, at: "modules") {
            if list.isEmpty { r.add(.invalidValue, at: "modules", "lists no module") }
            for (index, entry) in list.enumerated() {
                if let item = Self.readItem(entry, at: "modules.\(index)", catalogue: catalogue, &r) { items.append(item) }
            }
            var seen: [String: Int] = [:]
            for (index, item) in items.enumerated() {
                if let first = seen[item.module] { r.add(.invalidValue, at: "modules.\(index).module", "module \(item.module) is also modules.\(first)") }
                seen[item.module] = seen[item.module] ?? index
            }
        } else if top["modules"] == nil {
            r.add(.missingKey, at: "modules", "required: the modules to produce")
        }
        guard r.problems.isEmpty else { throw ValidationFailure(r.problems) }
        self.version = version
        self.label = label
        self.priority = priority
        self.template = template
        self.items = items
        self.requestID = requestID
        self.source = json
    }

    private static func readItem(_ value: JSONValue, at path: String, catalogue: ModuleCatalogue?, _ r: inout ProblemCollector) -> Item? {
        guard let m = r.object(value, at: path) else { return nil }
        r.rejectUnknown(m, known: itemKeys, at: path)
        let name = r.requiredString(m, "module", at: path)
        var definition: ModuleDefinition?
        if let name, let catalogue {
            definition = catalogue.module(name)
            if definition == nil {
                r.add(.unknownModule, at: path + ".module", "unknown module \(name) in catalogue \(catalogue.version)"
                    + ModuleCatalogue.suggestion(name, catalogue.moduleNames))
            } else if definition?.production == nil {
                r.add(.invalidValue, at: path + ".module", "\(name) is not a production module")
            }
        }
        let groups: [(ProductionMode, [String])] = [(.events, ["n_ev", "ev_per_run"]), (.time, ["t_run", "n_runs"]), (.runNumbers, ["run_numbers"])]
        let used = groups.filter { group in group.1.contains { m[$0] != nil } }
        var mode: Item.Mode?
        if used.count != 1 {
            r.add(used.isEmpty ? .missingKey : .invalidValue, at: path,
                  used.isEmpty ? "needs one mode: n_ev with ev_per_run, t_run with n_runs, or run_numbers"
                      : "mixes modes \(used.map(\.0.rawValue).joined(separator: " and ")); use one")
        } else if let group = used.first {
            if let allowed = definition?.production?.modes, !allowed.contains(group.0) {
                r.add(.invalidValue, at: path + "." + group.0.rawValue, "\(name ?? "this module") does not take mode \(group.0.rawValue) (it takes \(allowed.map(\.rawValue).joined(separator: ", ")))")
            }
            func positive(_ key: String) -> Int? {
                guard m[key] != nil else {
                    r.add(.missingKey, at: path + "." + key, "required with \(group.0.rawValue)")
                    return nil
                }
                guard let number = r.int(m, key, at: path) else { return nil }
                guard number >= 1 else {
                    r.add(.invalidValue, at: path + "." + key, "must be at least 1")
                    return nil
                }
                return number
            }
            switch group.0 {
            case .events:
                if let total = positive("n_ev"), let perRun = positive("ev_per_run") { mode = .events(total: total, perRun: perRun) }
            case .time:
                if let seconds = positive("t_run"), let runs = positive("n_runs") { mode = .time(secondsPerRun: seconds, runs: runs) }
            case .runNumbers:
                if let list = m["run_numbers"], let items = r.array(list, at: path + ".run_numbers") {
                    var runs: [Int] = []
                    for (index, item) in items.enumerated() {
                        if let run = item.intValue, (0...RunNumber.maximum).contains(run) { runs.append(run) } else {
                            r.add(.notARun, at: "\(path).run_numbers.\(index)", "\(item) is not a run number")
                        }
                    }
                    if items.isEmpty { r.add(.invalidValue, at: path + ".run_numbers", "lists no run") }
                    if Set(runs).count != runs.count { r.add(.invalidValue, at: path + ".run_numbers", "lists a run twice") }
                    mode = .runNumbers(runs)
                }
            }
        }
        let firstRun = r.int(m, "first_run", at: path) ?? 1
        if firstRun < 0 { r.add(.invalidValue, at: path + ".first_run", "must not be negative") }
        if m["first_run"] != nil, case .runNumbers? = mode { r.add(.invalidValue, at: path + ".first_run", "does not go with run_numbers") }
        let template = m["template"].flatMap { r.object($0, at: path + ".template") } ?? [:]
        let priority = r.int(m, "priority", at: path)
        guard let name, let mode else { return nil }
        return Item(module: name, mode: mode, firstRun: firstRun, template: template, priority: priority)
    }

    /// The request id: the one given (`request_id` in the file or by option), else derived
    /// from the request with its object members sorted, so reformatting the file keeps it.
    public func resolvedRequestID(override: String? = nil) -> String {
        override ?? requestID ?? RequestID.make(prefix: "production", canonical: Self.canonical(source))
    }

    static func canonical(_ value: JSONValue) -> String {
        switch value {
        case .object(let members):
            return "{" + members.keys.sorted().map { JSONValue.string($0).serialized() + ":" + canonical(members[$0]!) }.joined(separator: ",") + "}"
        case .array(let items):
            return "[" + items.map(canonical).joined(separator: ",") + "]"
        default:
            return value.serialized()
        }
    }
}
