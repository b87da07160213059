import Foundation

/// Why a `Codable` value could not be converted to or from a ``JSONValue``.
public struct JSONCodingError: Error, Sendable, CustomStringConvertible {
    /// A human explanation naming the type and the underlying error.
    public var message: String
    public var description: String { message }
}

extension JSONValue {
    /// Encodes a `Codable` value with Foundation's `JSONEncoder` and reads it back as a `JSONValue`.
    public init<T: Encodable>(encoding value: T, encoder: JSONEncoder = JSONValue.defaultEncoder()) throws {
        do {
            let data = try encoder.encode(value)
            self = try JSONParser.parse(data)
        } catch {
            throw JSONCodingError(message: "cannot encode \(T.self) as JSON: \(error)")
        }
    }

    /// Decodes this value into a `Decodable` type with Foundation's `JSONDecoder`.
    public func decode<T: Decodable>(_ type: T.Type, decoder: JSONDecoder = JSONValue.defaultDecoder()) throws -> T {
        do {
            return try decoder.decode(T.self, from: Data(serializedBytes()))
        } catch let DecodingError.keyNotFound(key, context) {
            throw JSONCodingError(message: "\(T.self): missing key '\(Self.path(context.codingPath + [key]))'")
        } catch let DecodingError.typeMismatch(expected, context) {
            throw JSONCodingError(message: "\(T.self): '\(Self.path(context.codingPath))' is not a \(expected)")
        } catch let DecodingError.valueNotFound(expected, context) {
            throw JSONCodingError(message: "\(T.self): '\(Self.path(context.codingPath))' is null, expected \(expected)")
        } catch let DecodingError.dataCorrupted(context) {
            throw JSONCodingError(message: "\(T.self): '\(Self.path(context.codingPath))': \(context.debugDescription)")
        } catch {
            throw JSONCodingError(message: "cannot decode \(T.self): \(error)")
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
    }

    /// The encoder used by default: ISO 8601 dates, sorted keys for stable output.
    public static func defaultEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// The decoder used by default: ISO 8601 dates.
    public static func defaultDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}

extension JSONValue: Codable {
    /// Decodes any JSON value (numbers pass through `Double` or `Int64`; prefer ``JSONParser`` for exactness).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let b = try? container.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? container.decode(Int64.self) {
            self = .int(i)
        } else if let d = try? container.decode(Double.self) {
            self = .double(d)
        } else if let s = try? container.decode(String.self) {
            self = .string(s)
        } else if let a = try? container.decode([JSONValue].self) {
            self = .array(a)
        } else {
            let dict = try container.decode([String: JSONValue].self)
            var members = JSONObject()
            for key in dict.keys.sorted() { members[key] = dict[key] }
            self = .object(members)
        }
    }

    /// Encodes this value through a `Codable` container.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let b): try container.encode(b)
        case .number(let n):
            if let i = n.int64Value { try container.encode(i) } else { try container.encode(n.doubleValue) }
        case .string(let s): try container.encode(s)
        case .array(let a): try container.encode(a)
        case .object(let o): try container.encode(Dictionary(uniqueKeysWithValues: o.map { ($0.key, $0.value) }))
        }
    }
}
