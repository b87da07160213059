import JSON

/// Walks a JSON input, collecting every problem with its key path and, through the locator,
/// its line and column; reading goes on after a problem so all of them are reported at once.
struct ProblemCollector {
    let source: String
    let locate: KeyLocator?
    var problems: [InputProblem] = []

    init(source: String, locate: KeyLocator?) {
        self.source = source
        self.locate = locate
    }

    static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : path + "." + key }

    mutating func add(_ code: InputProblem.Code, at path: String, _ message: String) {
        let position = locate?(path) ?? Self.nearest(path, locate)
        problems.append(InputProblem(code, source: source, line: position?.line, column: position?.column,
                                         key: path.isEmpty ? nil : path, message))
    }

    /// The position of the closest enclosing key that has one (a missing key is reported where
    /// its parent is).
    private static func nearest(_ path: String, _ locate: KeyLocator?) -> (line: Int, column: Int)? {
        guard let locate else { return nil }
        var parts = path.split(separator: ".", omittingEmptySubsequences: false)
        while !parts.isEmpty {
            parts.removeLast()
            if let position = locate(parts.joined(separator: ".")) { return position }
        }
        return nil
    }

    mutating func object(_ value: JSONValue, at path: String) -> JSONObject? {
        guard case .object(let members) = value else {
            add(.wrongType, at: path, "expected a mapping of keys, found \(value.typeName)")
            return nil
        }
        return members
    }

    mutating func array(_ value: JSONValue, at path: String) -> [JSONValue]? {
        guard case .array(let items) = value else {
            add(.wrongType, at: path, "expected a list, found \(value.typeName)")
            return nil
        }
        return items
    }

    mutating func string(_ value: JSONValue, at path: String) -> String? {
        guard case .string(let text) = value else {
            add(.wrongType, at: path, "expected a string, found \(value.typeName)")
            return nil
        }
        return text
    }

    mutating func rejectUnknown(_ members: JSONObject, known: Set<String>, at path: String) {
        for key in members.keys where !known.contains(key) {
            let nearest = ModuleCatalogue.suggestion(key, Array(known.filter { !$0.hasPrefix("_") }))
            add(.unknownKey, at: Self.join(path, key), "unknown key" + (nearest.isEmpty
                ? " (known here: \(known.filter { !$0.hasPrefix("_") }.sorted().joined(separator: ", ")))" : nearest))
        }
    }

    mutating func requiredString(_ members: JSONObject, _ key: String, at path: String) -> String? {
        guard let value = members[key], !value.isNull else {
            add(.missingKey, at: Self.join(path, key), "required")
            return nil
        }
        guard let text = string(value, at: Self.join(path, key)) else { return nil }
        if text.isEmpty { add(.invalidValue, at: Self.join(path, key), "must not be empty") }
        return text
    }

    mutating func strings(_ members: JSONObject, _ key: String, at path: String) -> [String]? {
        guard let value = members[key], !value.isNull else { return nil }
        guard let items = array(value, at: Self.join(path, key)) else { return nil }
        var result: [String] = []
        for (index, item) in items.enumerated() {
            if let text = string(item, at: "\(Self.join(path, key)).\(index)") { result.append(text) }
        }
        return result
    }

    mutating func int(_ members: JSONObject, _ key: String, at path: String) -> Int? {
        guard let value = members[key], !value.isNull else { return nil }
        guard let number = value.intValue else {
            add(.wrongType, at: Self.join(path, key), "expected an integer, found \(value.typeName == "number" ? "a fraction" : value.typeName)")
            return nil
        }
        return number
    }

    mutating func positiveInt(_ members: JSONObject, _ key: String, at path: String) -> Int? {
        guard let number = int(members, key, at: path) else { return nil }
        if number < 1 { add(.invalidValue, at: Self.join(path, key), "must be at least 1") }
        return number
    }

    mutating func number(_ members: JSONObject, _ key: String, at path: String) -> Double? {
        guard let value = members[key], !value.isNull else { return nil }
        guard let number = value.doubleValue else {
            add(.wrongType, at: Self.join(path, key), "expected a number, found \(value.typeName)")
            return nil
        }
        return number
    }

    mutating func enumValue<E: RawRepresentable & CaseIterable>(_ members: JSONObject, _ key: String, _ type: E.Type, at path: String) -> E?
    where E.RawValue == String {
        guard let text = requiredString(members, key, at: path) else { return nil }
        guard let value = E(rawValue: text) else {
            add(.invalidValue, at: Self.join(path, key), "unknown \(key) \(text) (known: \(E.allCases.map(\.rawValue).joined(separator: ", ")))")
            return nil
        }
        return value
    }
}
