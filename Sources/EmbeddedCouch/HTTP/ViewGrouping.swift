import JSON
import ViewEngine

/// Grouping and reducing of view rows at query time.
///
/// Rows arrive in collation order, so a group is a run of neighbours. Group identity is
/// decided on the stored sort keys (``ViewCollation/sortKey(_:)``): at `group_level=N` the
/// bytes of an array key's first N elements, so no key is parsed except each group's first.
enum ViewGrouping {
    enum Level: Equatable {
        /// One group over everything (`key: null`).
        case none
        /// `group=true`: rows with collation-equal keys.
        case exact
        /// `group_level=N`: array keys truncated to N elements.
        case level(Int)
    }

    struct Group {
        /// `nil` for the single ungrouped result (`"key": null`).
        var key: JSONValue?
        var rows: [ViewRow]
    }

    static func groups(_ rows: [(sort: [UInt8], row: ViewRow)], level: Level) -> [Group] {
        guard !rows.isEmpty else { return [] }
        if level == .none { return [Group(key: nil, rows: rows.map(\.row))] }
        var out: [Group] = []
        var currentPrefix: ArraySlice<UInt8> = []
        for (sort, row) in rows {
            let prefix = groupPrefix(sort, level: level)
            if !out.isEmpty, prefix == currentPrefix {
                out[out.count - 1].rows.append(row)
                continue
            }
            currentPrefix = prefix
            var key = (try? JSONParser.parse(row.key)) ?? .null
            if case .level(let n) = level { key = ViewCollation.groupKey(key, level: n) }
            out.append(Group(key: key, rows: [row]))
        }
        return out
    }

    /// The part of a sort key that decides its group.
    static func groupPrefix(_ sort: [UInt8], level: Level) -> ArraySlice<UInt8> {
        guard case .level(let n) = level, sort.first == 0x06 else { return sort[...] }
        var index = 1
        var elements = 0
        while elements < n, index < sort.count, sort[index] != 0x00 {
            index = skipValue(sort, from: index)
            elements += 1
        }
        return sort[..<min(index, sort.count)]
    }

    /// The index just past the encoded value starting at `index`.
    private static func skipValue(_ bytes: [UInt8], from start: Int) -> Int {
        var index = start
        guard index < bytes.count else { return index }
        let tag = bytes[index]
        index += 1
        switch tag {
        case 0x04:
            return index + 8
        case 0x05:
            while index < bytes.count, bytes[index] != 0 { index += 1 }
            return index + 1
        case 0x06:
            while index < bytes.count, bytes[index] != 0 { index = skipValue(bytes, from: index) }
            return index + 1
        case 0x07:
            while index < bytes.count, bytes[index] != 0 {
                index = skipValue(bytes, from: index)  // name
                index = skipValue(bytes, from: index)  // value
            }
            return index + 1
        default:
            return index
        }
    }

    /// Rows handed to a JavaScript reduce per call; larger groups are reduced in parts and
    /// the parts rereduced, as CouchDB's B-tree does.
    static let javaScriptChunk = 1_000

    /// The reduced value of one group. A built-in that cannot combine its values gives
    /// CouchDB's `builtin_reduce_error` object as the value, as CouchDB does.
    static func reduce(_ rows: [ViewRow], with function: ReduceFunction, pool: QueryServerPool) async throws -> JSONValue {
        switch function {
        case .count:
            return .number(JSONNumber(rows.count))
        case .sum, .stats:
            let values = rows.map { (try? JSONParser.parse($0.value)) ?? .null }
            do {
                return try BuiltinReduce.reduce(function, values: values)
            } catch {
                return ["error": "builtin_reduce_error", "reason": .string(error.reason)]
            }
        case .javaScript:
            var partials: [JSONValue] = []
            var start = 0
            while start < rows.count {
                let chunk = rows[start..<min(start + javaScriptChunk, rows.count)].map { row in
                    ReduceRow(key: (try? JSONParser.parse(row.key)) ?? .null, id: row.id, value: (try? JSONParser.parse(row.value)) ?? .null)
                }
                do {
                    partials.append(try await pool.reduce(function, rows: chunk))
                } catch let error as ViewEngineError {
                    throw CouchHTTPError(status: error.httpStatus, error: error.couchError, reason: error.reason)
                }
                start += javaScriptChunk
            }
            if partials.count == 1 { return partials[0] }
            do {
                return try await pool.rereduce(function, values: partials)
            } catch let error as ViewEngineError {
                throw CouchHTTPError(status: error.httpStatus, error: error.couchError, reason: error.reason)
            }
        }
    }
}
