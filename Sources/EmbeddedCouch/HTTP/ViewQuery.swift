import JSON
import ViewEngine

/// The parameters of one view query, from the query string and (for POST) the JSON body,
/// checked as CouchDB checks them (`query_parse_error` and `bad_request` with its wording).
struct ViewQuery: Sendable {
    /// When the index is brought up to date.
    enum Update: Sendable {
        /// Before answering (the default).
        case now
        /// Not at all (`update=false`, `stale=ok`).
        case never
        /// After answering from the index as it is (`update=lazy`, `stale=update_after`).
        case after
    }

    var key: JSONValue?
    var keys: [JSONValue]?
    var startKey: JSONValue?
    var endKey: JSONValue?
    var startDocID: String?
    var endDocID: String?
    var inclusiveEnd = true
    var descending = false
    var limit: Int?
    var skip = 0
    var includeDocs = false
    var reduce: Bool?
    var group = false
    var groupLevel: Int?
    var updateSeq = false
    var update = Update.now

    /// Reads `query` and, for POST, the members of `body` (which win).
    init(query: QueryParameters, body: JSONValue?) throws(CouchHTTPError) {
        var params: [String: JSONValue] = [:]
        var texts: [String: String] = [:]
        for name in Self.names {
            if let text = query[name] { texts[name] = text }
        }
        for (name, text) in texts where Self.jsonNames.contains(name) {
            do { params[name] = try JSONParser.parse(text) } catch { throw .badRequest("invalid UTF-8 JSON") }
        }
        if let body {
            guard case .object(let members) = body else { throw .badRequest("Request body must be a JSON object") }
            for (name, value) in members {
                if name == "keys" {
                    guard value.arrayValue != nil else { throw .badRequest("`keys` member must be an array.") }
                }
                if Self.jsonNames.contains(name) {
                    params[name] = value
                } else if Self.names.contains(name) {
                    texts[name] = value.stringValue ?? value.serialized()
                }
            }
        }
        key = params["key"]
        if let keysValue = params["keys"] {
            guard let list = keysValue.arrayValue else { throw .badRequest("`keys` member must be an array.") }
            keys = list
        }
        startKey = params["startkey"] ?? params["start_key"]
        endKey = params["endkey"] ?? params["end_key"]
        startDocID = texts["startkey_docid"] ?? texts["start_key_doc_id"]
        endDocID = texts["endkey_docid"] ?? texts["end_key_doc_id"]
        inclusiveEnd = try Self.bool(texts["inclusive_end"]) ?? true
        descending = try Self.bool(texts["descending"]) ?? false
        limit = try Self.natural(texts["limit"])
        skip = try Self.natural(texts["skip"]) ?? 0
        includeDocs = try Self.bool(texts["include_docs"]) ?? false
        reduce = try Self.bool(texts["reduce"])
        group = try Self.bool(texts["group"]) ?? false
        groupLevel = try Self.natural(texts["group_level"])
        updateSeq = try Self.bool(texts["update_seq"]) ?? false
        if let stale = texts["stale"] {
            switch stale {
            case "ok": update = .never
            case "update_after": update = .after
            default: throw CouchHTTPError(status: 400, error: "query_parse_error", reason: "Invalid value for `stale`.")
            }
        }
        if let text = texts["update"] {
            switch text {
            case "true": update = .now
            case "false": update = .never
            case "lazy": update = .after
            default: throw CouchHTTPError(status: 400, error: "query_parse_error", reason: "Invalid value for `update`.")
            }
        }
    }

    private static let jsonNames: Set<String> = ["key", "keys", "startkey", "start_key", "endkey", "end_key"]
    private static let names: Set<String> = jsonNames.union([
        "startkey_docid", "start_key_doc_id", "endkey_docid", "end_key_doc_id", "inclusive_end", "descending",
        "limit", "skip", "include_docs", "reduce", "group", "group_level", "update_seq", "stale", "update",
    ])

    private static func bool(_ text: String?) throws(CouchHTTPError) -> Bool? {
        guard let text else { return nil }
        switch text {
        case "true": return true
        case "false": return false
        default: throw CouchHTTPError(status: 400, error: "query_parse_error", reason: "Invalid boolean parameter: \"\(text)\"")
        }
    }

    private static func natural(_ text: String?) throws(CouchHTTPError) -> Int? {
        guard let text else { return nil }
        guard let n = Int(text) else {
            throw CouchHTTPError(status: 400, error: "query_parse_error", reason: "Invalid value for integer: \"\(text)\"")
        }
        guard n >= 0 else {
            throw CouchHTTPError(status: 400, error: "query_parse_error", reason: "Invalid value for positive integer: \"\(text)\"")
        }
        return n
    }

    /// The checks that depend on the view: reduce and grouping on a map view, `include_docs`
    /// on a reduce, a reversed key range. Returns whether the answer is reduced.
    func validate(hasReduce: Bool) throws(CouchHTTPError) -> Bool {
        let grouping = group || groupLevel != nil
        let reducing: Bool
        if hasReduce {
            reducing = reduce ?? true
            if !reducing && grouping {
                throw CouchHTTPError(status: 400, error: "query_parse_error", reason: "Invalid use of grouping on a map view.")
            }
            if reducing && includeDocs {
                throw CouchHTTPError(status: 400, error: "query_parse_error", reason: "`include_docs` is invalid for reduce")
            }
        } else {
            if reduce == true {
                throw CouchHTTPError(status: 400, error: "query_parse_error", reason: "Reduce is invalid for map-only views.")
            }
            if grouping {
                throw CouchHTTPError(status: 400, error: "query_parse_error", reason: "Invalid use of grouping on a map view.")
            }
            reducing = false
        }
        if keys == nil, let startKey, let endKey {
            let order = ViewCollation.compare(startKey, endKey)
            if !descending && order > 0 {
                throw CouchHTTPError(status: 400, error: "query_parse_error", reason: "No rows can match your key range, reverse your start_key and end_key or set descending=true")
            }
            if descending && order < 0 {
                throw CouchHTTPError(status: 400, error: "query_parse_error", reason: "No rows can match your key range, reverse your start_key and end_key or set descending=false")
            }
        }
        return reducing
    }

    /// The row range of a query without `keys` (`key` narrows it to one key).
    var range: DatabaseStore.ViewRange {
        if let key {
            return Self.range(forKey: key, descending: descending)
        }
        var range = DatabaseStore.ViewRange(descending: descending)
        if let startKey {
            range.start = .init(sort: ViewCollation.sortKey(startKey), docID: startDocID, inclusive: true)
        }
        if let endKey {
            range.end = .init(sort: ViewCollation.sortKey(endKey), docID: endDocID, inclusive: inclusiveEnd)
        }
        return range
    }

    /// All rows with exactly `key`.
    static func range(forKey key: JSONValue, descending: Bool) -> DatabaseStore.ViewRange {
        let sort = ViewCollation.sortKey(key)
        return DatabaseStore.ViewRange(
            start: .init(sort: sort, docID: nil, inclusive: true), end: .init(sort: sort, docID: nil, inclusive: true),
            descending: descending)
    }

    /// The bound `offset` counts from: the first key (or `key`) of a multi-key query, else the start.
    var offsetBound: DatabaseStore.ViewBound? {
        if let first = key ?? keys?.first {
            return .init(sort: ViewCollation.sortKey(first), docID: nil, inclusive: true)
        }
        guard let startKey else { return nil }
        return .init(sort: ViewCollation.sortKey(startKey), docID: startDocID, inclusive: true)
    }
}
