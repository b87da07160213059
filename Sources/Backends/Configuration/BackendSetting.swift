import Foundation

/// A setting's value as a configuration file gives it: YAML or JSON scalars, lists and maps.
public enum BackendSetting: Sendable, Hashable, Decodable, CustomStringConvertible {
    case string(String)
    case integer(Int)
    case number(Double)
    case bool(Bool)
    case list([BackendSetting])
    case map([String: BackendSetting])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Int.self) { self = .integer(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([BackendSetting].self) { self = .list(value) }
        else if let value = try? container.decode([String: BackendSetting].self) { self = .map(value) }
        else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "a backend setting must be a scalar, a list or a map")
        }
    }

    /// Converts what `JSONSerialization` or a YAML loader returns (`String`, `Int`, `Double`,
    /// `Bool`, `[Any]`, `[String: Any]`); `nil` for anything else.
    public init?(any value: Any) {
        if type(of: value) == Bool.self, let v = value as? Bool {
            self = .bool(v)
            return
        }
        switch value {
        case let v as String: self = .string(v)
        case let v as NSNumber:
            if String(cString: v.objCType) == "c" { self = .bool(v.boolValue) }
            else if v.doubleValue == v.doubleValue.rounded(), abs(v.doubleValue) < 1e15 { self = .integer(v.intValue) }
            else { self = .number(v.doubleValue) }
        case let v as Int: self = .integer(v)
        case let v as Double: self = .number(v)
        case let v as [Any]:
            var items: [BackendSetting] = []
            for item in v {
                guard let setting = BackendSetting(any: item) else { return nil }
                items.append(setting)
            }
            self = .list(items)
        case let v as [String: Any]:
            var items: [String: BackendSetting] = [:]
            for (key, item) in v {
                guard let setting = BackendSetting(any: item) else { return nil }
                items[key] = setting
            }
            self = .map(items)
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .string(let v): "\"\(v)\""
        case .integer(let v): String(v)
        case .number(let v): String(v)
        case .bool(let v): String(v)
        case .list(let v): "[" + v.map(\.description).joined(separator: ", ") + "]"
        case .map(let v): "{" + v.keys.sorted().map { "\($0): \(v[$0]!)" }.joined(separator: ", ") + "}"
        }
    }

    /// As a Foundation value, for re-decoding with `JSONDecoder`.
    var foundationValue: Any {
        switch self {
        case .string(let v): v
        case .integer(let v): v
        case .number(let v): v
        case .bool(let v): v
        case .list(let v): v.map(\.foundationValue)
        case .map(let v): v.mapValues(\.foundationValue)
        }
    }
}
