import Foundation

/// Which batch system a site uses and how: a kind and its settings, as the site configuration
/// file gives them (`backend: {kind: slurm, partition: short}`), decoded flat: every key but
/// `kind` is a setting.
///
/// | kind | settings |
/// |---|---|
/// | `local` | `state_directory` (required), `capacity`, `setsid`, `start_grace_seconds` |
/// | `slurm` | `partition`, `account`, `qos`, `user`, `extra_submit_arguments` (list), `environment` (map), `accounting` (`auto`/`always`/`never`), `find_lookback_days`, `sbatch`, `squeue`, `sacct`, `scontrol`, `scancel` (paths), `command_timeout_seconds` |
/// | `condor` | `environment`, `script_directory`, `extra_submit_lines` (list), `condor_submit`, `condor_q`, `condor_history`, `condor_rm`, `command_timeout_seconds` |
/// | `pbs`, `sge`, `lsf` | `environment`, `script_directory`, `command_timeout_seconds`, `template` (a whole ``CommandTemplate`` replacing the preset) |
/// | `template` | the same, with `template` required |
///
/// An unknown key or a value of the wrong type is an error naming the key.
public struct BackendConfiguration: Sendable, Hashable, Decodable {
    /// `local`, `slurm`, `condor`, `pbs`, `sge`, `lsf` or `template`.
    public var kind: String
    public var settings: [String: BackendSetting]

    /// The kinds ``makeBackend(runner:)`` knows.
    public static let kinds = ["local", "slurm", "condor"] + TemplatePresets.kinds + ["template"]

    public init(kind: String, settings: [String: BackendSetting] = [:]) {
        self.kind = kind
        self.settings = settings
    }

    /// From a decoded YAML or JSON map (`[String: Any]`) holding `kind` and the settings.
    public init(dictionary: [String: Any]) throws(BackendError) {
        guard let kind = dictionary["kind"] as? String else {
            throw BackendError(.invalidConfiguration, "backend: kind is missing (one of \(Self.kinds.joined(separator: ", ")))")
        }
        var settings: [String: BackendSetting] = [:]
        for (key, value) in dictionary where key != "kind" {
            guard let setting = BackendSetting(any: value) else {
                throw BackendError(.invalidConfiguration, "backend: \(key): not a scalar, list or map")
            }
            settings[key] = setting
        }
        self.init(kind: kind, settings: settings)
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        kind = try container.decode(String.self, forKey: AnyKey(stringValue: "kind"))
        settings = [:]
        for key in container.allKeys where key.stringValue != "kind" {
            settings[key.stringValue] = try container.decode(BackendSetting.self, forKey: key)
        }
    }

    /// The backend this configuration describes, after checking every setting.
    public func makeBackend(runner: ProcessRunner = ProcessRunner()) throws(BackendError) -> any BatchBackend {
        var reader = SettingsReader(kind: kind, settings: settings)
        let backend: any BatchBackend
        switch kind {
        case "local":
            let directory = try reader.string("state_directory", required: true)!
            let capacity = try reader.integer("capacity")
            let setsid = try reader.string("setsid") ?? "setsid"
            let grace = try reader.integer("start_grace_seconds") ?? 30
            backend = try LocalBackend(stateDirectory: URL(fileURLWithPath: directory), capacity: capacity,
                                       setsid: setsid, startGrace: .seconds(grace), runner: runner)
        case "slurm":
            var c = SlurmBackend.Configuration()
            c.sbatch = try reader.string("sbatch") ?? c.sbatch
            c.squeue = try reader.string("squeue") ?? c.squeue
            c.sacct = try reader.string("sacct") ?? c.sacct
            c.scontrol = try reader.string("scontrol") ?? c.scontrol
            c.scancel = try reader.string("scancel") ?? c.scancel
            c.environment = try reader.stringMap("environment") ?? [:]
            c.partition = try reader.string("partition")
            c.account = try reader.string("account")
            c.qos = try reader.string("qos")
            c.user = try reader.string("user")
            c.extraSubmitArguments = try reader.stringList("extra_submit_arguments") ?? []
            if let accounting = try reader.string("accounting") {
                guard let value = SlurmBackend.Accounting(rawValue: accounting) else {
                    throw reader.error("accounting", "must be auto, always or never, not \"\(accounting)\"")
                }
                c.accounting = value
            }
            if let days = try reader.integer("find_lookback_days") { c.findLookback = .seconds(days * 86_400) }
            if let seconds = try reader.integer("command_timeout_seconds") { c.commandTimeout = .seconds(seconds) }
            backend = SlurmBackend(configuration: c, runner: runner)
        case "condor":
            var c = CondorBackend.Configuration()
            c.condorSubmit = try reader.string("condor_submit") ?? c.condorSubmit
            c.condorQ = try reader.string("condor_q") ?? c.condorQ
            c.condorHistory = try reader.string("condor_history") ?? c.condorHistory
            c.condorRm = try reader.string("condor_rm") ?? c.condorRm
            c.environment = try reader.stringMap("environment") ?? [:]
            c.scriptDirectory = try reader.string("script_directory")
            c.extraSubmitLines = try reader.stringList("extra_submit_lines") ?? []
            if let seconds = try reader.integer("command_timeout_seconds") { c.commandTimeout = .seconds(seconds) }
            backend = CondorBackend(configuration: c, runner: runner)
        case "pbs", "sge", "lsf", "template":
            let template = try reader.template("template", required: kind == "template") ?? TemplatePresets.preset(kind)!
            backend = try TemplateBackend(
                kind: kind, template: template,
                environment: try reader.stringMap("environment") ?? [:],
                scriptDirectory: try reader.string("script_directory"),
                commandTimeout: .seconds(try reader.integer("command_timeout_seconds") ?? 120),
                runner: runner)
        default:
            throw BackendError(.invalidConfiguration, "backend: kind \"\(kind)\" is not one of \(Self.kinds.joined(separator: ", "))")
        }
        try reader.rejectUnread()
        return backend
    }
}

/// Reads settings by key with type checks, remembering which keys were read.
private struct SettingsReader {
    let kind: String
    let settings: [String: BackendSetting]
    var read: Set<String> = []

    init(kind: String, settings: [String: BackendSetting]) {
        self.kind = kind
        self.settings = settings
    }

    func error(_ key: String, _ problem: String) -> BackendError {
        BackendError(.invalidConfiguration, "backend (\(kind)): \(key): \(problem)")
    }

    mutating func value(_ key: String, required: Bool) throws(BackendError) -> BackendSetting? {
        read.insert(key)
        guard let value = settings[key] else {
            if required { throw error(key, "missing") }
            return nil
        }
        return value
    }

    mutating func string(_ key: String, required: Bool = false) throws(BackendError) -> String? {
        switch try value(key, required: required) {
        case nil: return nil
        case .string(let v)?: return v
        case let other?: throw error(key, "must be a string, not \(other)")
        }
    }

    mutating func integer(_ key: String) throws(BackendError) -> Int? {
        switch try value(key, required: false) {
        case nil: return nil
        case .integer(let v)?: return v
        case let other?: throw error(key, "must be a whole number, not \(other)")
        }
    }

    mutating func stringList(_ key: String) throws(BackendError) -> [String]? {
        switch try value(key, required: false) {
        case nil: return nil
        case .list(let items)?:
            return try items.map { (item) throws(BackendError) -> String in
                guard case .string(let s) = item else { throw error(key, "every item must be a string, not \(item)") }
                return s
            }
        case let other?: throw error(key, "must be a list of strings, not \(other)")
        }
    }

    mutating func stringMap(_ key: String) throws(BackendError) -> [String: String]? {
        switch try value(key, required: false) {
        case nil: return nil
        case .map(let items)?:
            var result: [String: String] = [:]
            for (name, item) in items {
                switch item {
                case .string(let s): result[name] = s
                case .integer(let i): result[name] = String(i)
                default: throw error("\(key).\(name)", "must be a string, not \(item)")
                }
            }
            return result
        case let other?: throw error(key, "must be a map of strings, not \(other)")
        }
    }

    mutating func template(_ key: String, required: Bool) throws(BackendError) -> CommandTemplate? {
        guard let value = try value(key, required: required) else { return nil }
        do {
            let data = try JSONSerialization.data(withJSONObject: value.foundationValue)
            return try JSONDecoder().decode(CommandTemplate.self, from: data)
        } catch {
            throw self.error(key, "is not a valid command template: \(error)")
        }
    }

    func rejectUnread() throws(BackendError) {
        if let unknown = settings.keys.filter({ !read.contains($0) }).sorted().first {
            throw error(unknown, "unknown setting")
        }
    }
}
