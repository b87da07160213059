import Yams

/// Reads a YAML mapping key by key, tracking the key path and the position of each value, so
/// every error names file, line and key; keys nobody asked for are reported as unknown.
struct YAMLReader {
    let file: String
    let node: Node
    let path: String

    init(file: String, node: Node, path: String = "") {
        self.file = file
        self.node = node
        self.path = path
    }

    /// Parses `text` as one YAML document (an empty file is an empty mapping).
    static func parse(_ text: String, file: String) throws(ConfigurationError) -> YAMLReader {
        do {
            let node = try Yams.compose(yaml: text) ?? Node.mapping(Node.Mapping([]))
            return YAMLReader(file: file, node: node)
        } catch let error as YamlError {
            throw ConfigurationError(.syntax, file: file, line: Self.line(of: error), "not valid YAML: \(error)")
        } catch {
            throw ConfigurationError(.syntax, file: file, "not valid YAML: \(error)")
        }
    }

    private static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
            return mark.line
        default:
            return nil
        }
    }

    func error(_ code: ConfigurationError.Code, key: String? = nil, at node: Node? = nil, _ message: String) -> ConfigurationError {
        let mark = (node ?? self.node).mark
        return ConfigurationError(code, file: file, line: mark?.line, column: mark?.column, key: key ?? (path.isEmpty ? nil : path), message)
    }

    func childPath(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

    /// The mapping's members, or an error when this node is not a mapping.
    func mapping() throws(ConfigurationError) -> Node.Mapping {
        guard case .mapping(let mapping) = node else { throw error(.wrongType, "expected a mapping of keys") }
        return mapping
    }

    /// Fails on any key not in `known`, naming it and its line.
    func rejectUnknownKeys(_ known: Set<String>) throws(ConfigurationError) {
        for (key, _) in try mapping() {
            let name = key.string ?? "\(key)"
            if !known.contains(name) {
                throw error(.unknownKey, key: childPath(name), at: key,
                            "unknown key (known here: \(known.sorted().joined(separator: ", ")))")
            }
        }
    }

    /// The value of `key`, if present and not null.
    func child(_ key: String) throws(ConfigurationError) -> YAMLReader? {
        guard let value = try mapping()[Node(key)] else { return nil }
        if case .scalar(let scalar) = value, scalar.string == "null" || scalar.string == "~" || scalar.string.isEmpty { return nil }
        return YAMLReader(file: file, node: value, path: childPath(key))
    }

    func string(_ key: String) throws(ConfigurationError) -> String? {
        guard let value = try child(key) else { return nil }
        guard case .scalar(let scalar) = value.node else { throw value.error(.wrongType, "expected a string") }
        return scalar.string
    }

    func requiredString(_ key: String) throws(ConfigurationError) -> String {
        guard let value = try string(key), !value.isEmpty else {
            throw error(.missingKey, key: childPath(key), "required")
        }
        return value
    }

    func strings(_ key: String) throws(ConfigurationError) -> [String]? {
        guard let value = try child(key) else { return nil }
        guard case .sequence(let sequence) = value.node else { throw value.error(.wrongType, "expected a list of strings") }
        var result: [String] = []
        for item in sequence {
            guard case .scalar(let scalar) = item else { throw value.error(.wrongType, at: item, "expected a list of strings") }
            result.append(scalar.string)
        }
        return result
    }
}
