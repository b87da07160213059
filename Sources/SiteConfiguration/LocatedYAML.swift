import JSON
import Yams

/// A YAML document read as a JSON value, with the line and column of every key path, so that
/// data files (the module catalogue) can be validated as JSON and still be reported against
/// the file the operator edits.
///
/// Scalars keep YAML's types: plain `3` is an integer, `1.5` a number, `true` a boolean, `~`
/// or nothing null, and anything quoted a string.
public struct LocatedYAML: Sendable {
    /// A 1-based line and column.
    public struct Position: Sendable, Hashable {
        public var line: Int
        public var column: Int
    }

    /// The document's value.
    public var value: JSONValue
    /// Where each key path (`modules.Analysis.level`, `run_types.Physics.0`) is written: the
    /// key for a mapping member, the item for a list element. The root is `""`.
    public var positions: [String: Position]

    /// Parses `text` as one YAML document (an empty file is an empty mapping); a syntax error
    /// names `file` and its line.
    public static func parse(_ text: String, file: String) throws(ConfigurationError) -> LocatedYAML {
        let root = try YAMLReader.parse(text, file: file)
        var positions: [String: Position] = [:]
        let value = try convert(root.node, path: "", file: file, positions: &positions)
        return LocatedYAML(value: value, positions: positions)
    }

    /// The position of `path`, if it is in the document.
    public func position(of path: String) -> Position? { positions[path] }

    private static func convert(_ node: Node, path: String, file: String, positions: inout [String: Position]) throws(ConfigurationError) -> JSONValue {
        if positions[path] == nil, let mark = node.mark { positions[path] = Position(line: mark.line, column: mark.column) }
        switch node {
        case .scalar(let scalar):
            return scalarValue(scalar, node: node)
        case .sequence(let sequence):
            var items: [JSONValue] = []
            for (index, item) in sequence.enumerated() {
                let itemPath = path.isEmpty ? String(index) : "\(path).\(index)"
                items.append(try convert(item, path: itemPath, file: file, positions: &positions))
            }
            return .array(items)
        case .mapping(let mapping):
            var members = JSONObject()
            for (key, value) in mapping {
                guard case .scalar(let keyScalar) = key else {
                    throw ConfigurationError(.wrongType, file: file, line: key.mark?.line, column: key.mark?.column, key: path.isEmpty ? nil : path, "a key must be a plain string")
                }
                let name = keyScalar.string
                let memberPath = path.isEmpty ? name : "\(path).\(name)"
                if members[name] != nil {
                    throw ConfigurationError(.invalidValue, file: file, line: key.mark?.line, column: key.mark?.column, key: memberPath, "key given twice")
                }
                if let mark = key.mark { positions[memberPath] = Position(line: mark.line, column: mark.column) }
                members[name] = try convert(value, path: memberPath, file: file, positions: &positions)
            }
            return .object(members)
        case .alias:
            throw ConfigurationError(.syntax, file: file, line: node.mark?.line, column: node.mark?.column, key: path.isEmpty ? nil : path, "aliases are not supported")
        }
    }

    private static func scalarValue(_ scalar: Node.Scalar, node: Node) -> JSONValue {
        guard scalar.style == .plain || scalar.style == .any else { return .string(scalar.string) }
        if ["", "~", "null", "Null", "NULL"].contains(scalar.string) { return .null }
        if let flag = node.bool { return .bool(flag) }
        if let value = node.int { return .int(value) }
        if let value = node.float, value.isFinite { return .double(value) }
        return .string(scalar.string)
    }
}
