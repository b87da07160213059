import Yams

extension YAMLReader {
    /// A number at `key`, if present; an error naming the key when it is not one.
    func double(_ key: String) throws(ConfigurationError) -> Double? {
        guard let value = try child(key) else { return nil }
        guard case .scalar(let scalar) = value.node, let number = Double(scalar.string), number.isFinite else {
            throw value.error(.wrongType, "expected a number")
        }
        return number
    }

    /// A whole number at `key`, if present.
    func int(_ key: String) throws(ConfigurationError) -> Int? {
        guard let value = try child(key) else { return nil }
        guard case .scalar(let scalar) = value.node, let number = Int(scalar.string) else {
            throw value.error(.wrongType, "expected a whole number")
        }
        return number
    }

    /// A boolean at `key` (`true`/`false`, `yes`/`no`), if present.
    func bool(_ key: String) throws(ConfigurationError) -> Bool? {
        guard let value = try child(key) else { return nil }
        guard case .scalar(let scalar) = value.node else { throw value.error(.wrongType, "expected true or false") }
        switch scalar.string.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw value.error(.wrongType, "expected true or false")
        }
    }

    /// The string values of a mapping's scalar members (for settings passed on as they are).
    func scalarMembers(except skipped: Set<String>) throws(ConfigurationError) -> [String: String] {
        var result: [String: String] = [:]
        for (key, value) in try mapping() {
            guard let name = key.string, !skipped.contains(name) else { continue }
            guard case .scalar(let scalar) = value else {
                throw YAMLReader(file: file, node: value, path: childPath(name)).error(.wrongType, "expected a single value")
            }
            result[name] = scalar.string
        }
        return result
    }
}

extension YAMLReader {
    /// The items of a list at `key` (each a reader whose key path is `key[i]`), nil if absent.
    func sequence(_ key: String) throws(ConfigurationError) -> [YAMLReader]? {
        guard let value = try child(key) else { return nil }
        guard case .sequence(let items) = value.node else { throw value.error(.wrongType, "expected a list") }
        return items.enumerated().map { YAMLReader(file: file, node: $0.element, path: "\(value.path)[\($0.offset)]") }
    }
}
