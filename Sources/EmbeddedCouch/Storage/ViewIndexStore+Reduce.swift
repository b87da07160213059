import Foundation
import GRDB
import JSON

/// Rows of one group, gathered as a reduce needs them.
struct ScannedGroup: Sendable {
    /// The key of the group's first row, as JSON text.
    var firstKey: [UInt8]
    var count = 0
    /// Parsed values (built-in `_sum`/`_stats`), or one value that reduces to what they do
    /// (``DatabaseStore/seekGroups(index:view:range:level:function:maxGroups:scanBelow:)``).
    var values: [JSONValue] = []
    /// Whole rows (JavaScript reduces).
    var rows: [ViewRow] = []
}

/// What a reduce reads of each row.
enum ReduceInput: Sendable {
    /// Only how many rows (`_count`).
    case count
    /// The values (`_sum`, `_stats`).
    case values
    /// Keys, ids and values (JavaScript).
    case rows
}

extension DatabaseStore {
    /// Scans `range` of a view once, splitting it into groups on the stored sort keys
    /// (``ViewGrouping/groupPrefixLength(_:level:)``) without copying or parsing what the
    /// reduce does not need.
    func scanGroups(
        index: Int64, view: Int, range: ViewRange, level: ViewGrouping.Level, input: ReduceInput
    ) async throws -> [ScannedGroup] {
        try await pool.read { db in
            try Self.scanGroups(db, index: index, view: view, range: range, level: level, input: input)
        }
    }

    /// ``scanGroups(index:view:range:level:input:)`` within a read already begun, stopping
    /// after `maxGroups` groups.
    static func scanGroups(
        _ db: Database, index: Int64, view: Int, range: ViewRange, level: ViewGrouping.Level, input: ReduceInput,
        maxGroups: Int? = nil
    ) throws -> [ScannedGroup] {
        let (condition, args) = Self.rangeCondition(range)
        let direction = range.descending ? "DESC" : "ASC"
        let columns = input == .count ? "sort, key" : input == .values ? "sort, key, value" : "sort, key, value, doc_id"
        let sql = "SELECT \(columns) FROM view_rows WHERE ix = ? AND view = ?\(condition) ORDER BY sort \(direction), doc_id \(direction), n \(direction)"
        let cursor = try Row.fetchCursor(db.cachedStatement(sql: sql), arguments: StatementArguments([index, view] + args))
        var groups: [ScannedGroup] = []
        var prefix: [UInt8] = []
        while let row = try cursor.next() {
            let continues: Bool = try row.withUnsafeData(atIndex: 0) { data in
                guard let data else { return false }
                return data.withUnsafeBytes { bytes in
                    let length = ViewGrouping.groupPrefixLength(bytes, level: level)
                    if !groups.isEmpty, length == prefix.count,
                       length == 0 || prefix.withUnsafeBytes({ memcmp($0.baseAddress!, bytes.baseAddress!, length) == 0 }) {
                        return true
                    }
                    prefix = Array(bytes[0..<length])
                    return false
                }
            }
            if !continues {
                if let maxGroups, groups.count >= maxGroups { break }
                groups.append(ScannedGroup(firstKey: [UInt8](row[1] as Data)))
            }
            let last = groups.count - 1
            groups[last].count += 1
            switch input {
            case .count:
                break
            case .values:
                let value: JSONValue = try row.withUnsafeData(atIndex: 2) { data in
                    guard let data else { return .null }
                    return (try? JSONParser.parse(data)) ?? .null
                }
                groups[last].values.append(value)
            case .rows:
                groups[last].rows.append(ViewRow(id: row[3], key: [UInt8](row[1] as Data), value: [UInt8](row[2] as Data)))
            }
        }
        return groups
    }
}
