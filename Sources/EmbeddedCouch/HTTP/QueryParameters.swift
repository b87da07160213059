import JSON

/// The query string of a request, decoded (`+` is a space, as CouchDB reads it).
struct QueryParameters: Sendable {
    private var pairs: [(String, String)] = []

    init(rawQuery: Substring?) {
        guard let rawQuery, !rawQuery.isEmpty else { return }
        for part in rawQuery.split(separator: "&") {
            if let eq = part.firstIndex(of: "=") {
                pairs.append((PercentEncoding.decode(part[..<eq], plusAsSpace: true),
                               PercentEncoding.decode(part[part.index(after: eq)...], plusAsSpace: true)))
            } else {
                pairs.append((PercentEncoding.decode(part, plusAsSpace: true), ""))
            }
        }
    }

    /// The last value given for `name`.
    subscript(_ name: String) -> String? { pairs.last { $0.0 == name }?.1 }

    /// `true`/`false` parameters (anything but `true` is false).
    func bool(_ name: String) -> Bool { self[name] == "true" }

    /// A non-negative integer parameter; CouchDB's 400 for anything else.
    func nonNegativeInt(_ name: String) throws(CouchHTTPError) -> Int? {
        guard let text = self[name] else { return nil }
        guard let n = Int(text), n >= 0 else {
            throw CouchHTTPError(status: 400, error: "query_parse_error", reason: "Invalid value for positive integer: \"\(text)\"")
        }
        return n
    }

    /// A JSON-valued parameter (`startkey="a"`); 400 "invalid UTF-8 JSON" when it does not parse.
    func json(_ name: String) throws(CouchHTTPError) -> JSONValue? {
        guard let text = self[name] else { return nil }
        do {
            return try JSONParser.parse(text)
        } catch {
            throw .badRequest("invalid UTF-8 JSON")
        }
    }
}
