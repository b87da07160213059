import Foundation
import JSON
import ViewEngine

/// Grouping and reducing of view rows at query time.
///
/// Rows arrive in collation order, so a group is a run of neighbours. Group identity is
/// decided on the stored sort keys (``ViewCollation/sortKey(_:)``): at `group_level=N` the
/// bytes of an array key's first N elements, so no key is parsed except each group's first
/// (see ``DatabaseStore/scanGroups(index:view:range:level:input:)``). Those bytes also bound
/// each group as a range of sort keys (``groupExtent(_:level:)``), so built-in reduces skip
/// from group to group and let SQLite count and sum the rows in between
/// (``DatabaseStore/seekGroups(index:view:range:level:function:maxGroups:scanBelow:)``).
enum ViewGrouping {
    enum Level: Equatable {
        /// One group over everything (`key: null`).
        case none
        /// `group=true`: rows with collation-equal keys.
        case exact
        /// `group_level=N`: array keys truncated to N elements.
        case level(Int)
    }

    /// How many leading bytes of a sort key decide its group: none for a single group, all
    /// for `group=true`, and for `group_level=N` the bytes of an array key's first N elements
    /// (a key that is not an array is its own group).
    static func groupPrefixLength(_ sort: UnsafeRawBufferPointer, level: Level) -> Int {
        groupPrefix(sort, level: level).length
    }

    /// The group prefix length (see ``groupPrefixLength(_:level:)``), and whether the key is an
    /// array with at least N elements at `group_level=N`, whose group is then every key
    /// starting with those bytes.
    private static func groupPrefix(_ sort: UnsafeRawBufferPointer, level: Level) -> (length: Int, truncated: Bool) {
        switch level {
        case .none: return (0, false)
        case .exact: return (sort.count, false)
        case .level(let n):
            guard sort.first == 0x06 else { return (sort.count, false) }
            var index = 1
            var elements = 0
            while elements < n, index < sort.count, sort[index] != 0x00 {
                index = skipValue(sort, from: index)
                elements += 1
            }
            return (min(index, sort.count), elements == n && index < sort.count)
        }
    }

    /// Which sort keys share a group with a given one, as a byte range of sort keys.
    enum GroupExtent: Equatable {
        /// Every key (no grouping).
        case all
        /// Keys with exactly these bytes (collation-equal keys).
        case exact([UInt8])
        /// Keys starting with these bytes: the first N elements of an array key at
        /// `group_level=N`. Sort keys are self-delimiting, so a key starts with them exactly
        /// when its first N elements are those.
        case prefix([UInt8])
    }

    /// The group of the key whose sort key is `sort` at `level`: the same rows, by
    /// construction, as those ``groupPrefixLength(_:level:)`` puts with it.
    static func groupExtent(_ sort: [UInt8], level: Level) -> GroupExtent {
        if level == .none { return .all }
        let (length, truncated) = sort.withUnsafeBytes { groupPrefix($0, level: level) }
        // A shorter array ends (0x00) where longer ones go on with an element (never 0x00),
        // so at that length only the key itself has those bytes and that prefix length.
        return truncated ? .prefix(Array(sort[0..<length])) : .exact(sort)
    }

    /// The least byte string greater than every string starting with `prefix` (nil when
    /// there is none: `prefix` is all 0xFF).
    static func successor(ofPrefix prefix: [UInt8]) -> [UInt8]? {
        var bytes = prefix
        while let last = bytes.last {
            if last < 0xFF {
                bytes[bytes.count - 1] = last + 1
                return bytes
            }
            bytes.removeLast()
        }
        return nil
    }

    /// The index just past the encoded value starting at `start`.
    private static func skipValue(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int {
        var index = start
        guard index < bytes.count else { return index }
        let tag = bytes[index]
        index += 1
        switch tag {
        case 0x04:
            return index + 8
        case 0x05:
            // An ICU sort key: its only 0 byte ends it.
            guard index < bytes.count, let end = memchr(bytes.baseAddress! + index, 0, bytes.count - index) else { return bytes.count }
            return bytes.baseAddress!.distance(to: UnsafeRawPointer(end)) + 1
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

    /// The key a group is shown under: its first row's key, truncated to the group level.
    static func groupKey(_ group: ScannedGroup, level: Level) -> JSONValue? {
        guard level != .none else { return nil }
        let key = (try? JSONParser.parse(group.firstKey)) ?? .null
        if case .level(let n) = level { return ViewCollation.groupKey(key, level: n) }
        return key
    }

    /// Rows handed to a JavaScript reduce per call; larger groups are reduced in parts and
    /// the parts rereduced, as CouchDB's B-tree does.
    static let javaScriptChunk = 1_000

    /// The reduced value of one group. A built-in that cannot combine its values gives
    /// CouchDB's `builtin_reduce_error` object as the value, as CouchDB does.
    static func reduce(_ group: ScannedGroup, with function: ReduceFunction, pool: QueryServerPool) async throws -> JSONValue {
        let rows = group.rows
        switch function {
        case .count, .sum, .stats:
            return reduceBuiltin(group, with: function)
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

    /// The reduced value of one group under a built-in (`_count`, `_sum`, `_stats`).
    static func reduceBuiltin(_ group: ScannedGroup, with function: ReduceFunction) -> JSONValue {
        if function == .count { return .number(JSONNumber(group.count)) }
        do {
            return try BuiltinReduce.reduce(function, values: group.values)
        } catch {
            return ["error": "builtin_reduce_error", "reason": .string(error.reason)]
        }
    }
}
