import JSON

/// Reads the members of one document object, naming the document and the member (with its
/// path, e.g. `passes.2.status`) in every error.
struct MemberReader {
    let id: String?
    let path: String
    let members: JSONObject

    init(id: String?, path: String = "", members: JSONObject) {
        self.id = id
        self.path = path
        self.members = members
    }

    init(id: String?, path: String, value: JSONValue) throws(DocumentError) {
        guard case .object(let members) = value else {
            throw DocumentError(.malformed, id: id, key: path.isEmpty ? nil : path, "must be an object")
        }
        self.init(id: id, path: path, members: members)
    }

    func keyPath(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

    func fail(_ key: String, _ problem: String) -> DocumentError {
        DocumentError(.malformed, id: id, key: keyPath(key), problem)
    }

    func has(_ key: String) -> Bool {
        switch members[key] {
        case nil, .null?: false
        default: true
        }
    }

    func string(_ key: String) throws(DocumentError) -> String {
        guard let value = try optionalString(key) else { throw fail(key, "required string is missing") }
        return value
    }

    func optionalString(_ key: String) throws(DocumentError) -> String? {
        switch members[key] {
        case nil, .null?: return nil
        case .string(let text)?: return text
        default: throw fail(key, "must be a string")
        }
    }

    func int(_ key: String) throws(DocumentError) -> Int {
        guard let value = try optionalInt(key) else { throw fail(key, "required integer is missing") }
        return value
    }

    func int(_ key: String, default value: Int) throws(DocumentError) -> Int {
        try optionalInt(key) ?? value
    }

    func optionalInt(_ key: String) throws(DocumentError) -> Int? {
        switch members[key] {
        case nil, .null?: return nil
        case .number(let number)?:
            guard let value = number.intValue ?? Self.integral(number.doubleValue) else { throw fail(key, "must be an integer") }
            return value
        default: throw fail(key, "must be an integer")
        }
    }

    func optionalInt64(_ key: String) throws(DocumentError) -> Int64? {
        switch members[key] {
        case nil, .null?: return nil
        case .number(let number)?:
            guard let value = number.int64Value ?? Self.integral(number.doubleValue).map(Int64.init) else { throw fail(key, "must be an integer") }
            return value
        default: throw fail(key, "must be an integer")
        }
    }

    func optionalDouble(_ key: String) throws(DocumentError) -> Double? {
        switch members[key] {
        case nil, .null?: return nil
        case .number(let number)?: return number.doubleValue
        default: throw fail(key, "must be a number")
        }
    }

    func bool(_ key: String, default value: Bool) throws(DocumentError) -> Bool {
        switch members[key] {
        case nil, .null?: return value
        case .bool(let flag)?: return flag
        default: throw fail(key, "must be true or false")
        }
    }

    func strings(_ key: String) throws(DocumentError) -> [String] {
        switch members[key] {
        case nil, .null?: return []
        case .array(let items)?:
            var result: [String] = []
            for item in items {
                guard let text = item.stringValue else { throw fail(key, "must be a list of strings") }
                result.append(text)
            }
            return result
        default: throw fail(key, "must be a list of strings")
        }
    }

    /// The elements of an array member, each with its key path (`key.index`).
    func objects(_ key: String) throws(DocumentError) -> [MemberReader] {
        switch members[key] {
        case nil, .null?: return []
        case .array(let items)?:
            var result: [MemberReader] = []
            for (index, item) in items.enumerated() {
                result.append(try MemberReader(id: id, path: keyPath("\(key).\(index)"), value: item))
            }
            return result
        default: throw fail(key, "must be a list of objects")
        }
    }

    /// Members not in `known` (and not CouchDB's own `_` members), to keep on rewrite.
    /// The members no field holds, kept when the document is rewritten. CouchDB's own members
    /// describe one read and are dropped, except `_attachments`: its stubs keep the document's
    /// attachments (e.g. a job's logs) through the rewrite.
    func extra(known: Set<String>) -> JSONObject {
        members.filter { !known.contains($0.key) && (!$0.key.hasPrefix("_") || $0.key == "_attachments") }
    }

    static func integral(_ value: Double) -> Int? {
        value == value.rounded() && abs(value) < 9e15 ? Int(value) : nil
    }
}

extension JSONObject {
    /// Sets `key` to `value`, or to null when `value` is nil.
    mutating func set(_ key: String, _ value: String?) { self[key] = value.map(JSONValue.string) ?? .null }
    mutating func set(_ key: String, _ value: Int?) { self[key] = value.map { .int($0) } ?? .null }

    /// Adds the members of `extra` that are not already set.
    mutating func merge(extra: JSONObject) {
        for (key, value) in extra where self[key] == nil { self[key] = value }
    }
}
