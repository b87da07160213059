import Foundation
import GRDB
import JSON
import ViewEngine

extension DatabaseStore {
    /// The groups of `range` for a built-in reduce, at a cost that grows with the number of
    /// groups rather than rows: each group's first row is found by a seek, its rows are
    /// aggregated by SQLite between the group's sort-key bounds
    /// (``ViewGrouping/groupExtent(_:level:)``), and the next seek starts past them.
    ///
    /// Gives the groups ``scanGroups(index:view:range:level:input:)`` gives, with the same
    /// first keys and counts. For `_sum` and `_stats`, a group whose values are all small
    /// integers (the stored `num` column) carries one value, their sum or `_stats` object,
    /// which reduces to what the values do; any other group carries its values. Stops after
    /// `maxGroups` groups. Where groups turn out small (fewer than `scanBelow` rows on
    /// average after the first few), reading each row costs less than two statements per
    /// group, so the rest of the range is scanned instead.
    func seekGroups(
        index: Int64, view: Int, range: ViewRange, level: ViewGrouping.Level, function: ReduceFunction,
        maxGroups: Int? = nil, scanBelow: Int = seekMinimumGroupSize
    ) async throws -> [ScannedGroup] {
        try await pool.read { db in
            let (condition, rangeArgs) = Self.rangeCondition(range)
            let base = "FROM view_rows WHERE ix = ? AND view = ?\(condition)"
            let baseArgs: [any DatabaseValueConvertible] = [index, view] + rangeArgs
            let direction = range.descending ? "DESC" : "ASC"
            let order = "ORDER BY sort \(direction), doc_id \(direction), n \(direction)"

            if level == .none {
                guard maxGroups != 0 else { return [] }
                let group = try Self.aggregate(db, base: base, args: baseArgs, extent: .all, order: order, function: function, firstKey: [])
                return group.count == 0 ? [] : [group]
            }
            var groups: [ScannedGroup] = []
            var rows = 0
            // What is left of the range: its start moves past each group found, which every
            // remaining row of the range is past too.
            var rest = range
            while maxGroups.map({ groups.count < $0 }) ?? true {
                if groups.count >= 8, rows < groups.count * scanBelow {
                    let input: ReduceInput = function == .count ? .count : .values
                    let scanned = try Self.scanGroups(
                        db, index: index, view: view, range: rest, level: level, input: input, maxGroups: maxGroups.map { $0 - groups.count })
                    return groups + scanned
                }
                let (restCondition, restArgs) = Self.rangeCondition(rest)
                let firstSQL = "SELECT sort, key FROM view_rows WHERE ix = ? AND view = ?\(restCondition) \(order) LIMIT 1"
                guard let first = try Row.fetchOne(db.cachedStatement(sql: firstSQL), arguments: StatementArguments([index, view] + restArgs)) else {
                    break
                }
                let sort = [UInt8](first[0] as Data)
                let extent = ViewGrouping.groupExtent(sort, level: level)
                let group = try Self.aggregate(
                    db, base: base, args: baseArgs, extent: extent, order: order, function: function, firstKey: [UInt8](first[1] as Data))
                groups.append(group)
                rows += group.count
                switch (extent, range.descending) {
                case (.all, _):
                    return groups
                case (.exact(let bytes), _):
                    rest.start = ViewBound(sort: bytes, docID: nil, inclusive: false)
                case (.prefix(let bytes), true):
                    rest.start = ViewBound(sort: bytes, docID: nil, inclusive: false)
                case (.prefix(let bytes), false):
                    guard let next = ViewGrouping.successor(ofPrefix: bytes) else { return groups }
                    rest.start = ViewBound(sort: next, docID: nil, inclusive: true)
                }
            }
            return groups
        }
    }

    /// Rows per group below which ``seekGroups(index:view:range:level:function:maxGroups:scanBelow:)``
    /// hands over to a scan: about what a seek and an aggregate cost in rows read one by one.
    static let seekMinimumGroupSize = 16

    /// The SQL condition selecting the rows of one group.
    private static func extentCondition(_ extent: ViewGrouping.GroupExtent) -> (String, [any DatabaseValueConvertible]) {
        switch extent {
        case .all:
            return ("", [])
        case .exact(let bytes):
            return (" AND sort = ?", [Data(bytes)])
        case .prefix(let bytes):
            guard let next = ViewGrouping.successor(ofPrefix: bytes) else { return (" AND sort >= ?", [Data(bytes)]) }
            return (" AND sort >= ? AND sort < ?", [Data(bytes), Data(next)])
        }
    }

    /// One group's count and, for `_sum` and `_stats`, its summed integers, or its values
    /// when some are not small integers (or their squares' sum overflows).
    private static func aggregate(
        _ db: Database, base: String, args: [any DatabaseValueConvertible], extent: ViewGrouping.GroupExtent,
        order: String, function: ReduceFunction, firstKey: [UInt8]
    ) throws -> ScannedGroup {
        let (condition, extentArgs) = extentCondition(extent)
        let arguments = StatementArguments(args + extentArgs)
        var group = ScannedGroup(firstKey: firstKey)
        let columns = switch function {
        case .sum: "count(*), count(num), sum(num)"
        case .stats: "count(*), count(num), sum(num), min(num), max(num), sum(num * num)"
        case .count, .javaScript: "count(*)"
        }
        let row: Row?
        do {
            row = try Row.fetchOne(db.cachedStatement(sql: "SELECT \(columns) \(base)\(condition)"), arguments: arguments)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_ERROR && function != .count {
            // SQLite's integer sum overflowed; the values reduce as they are.
            row = nil
        }
        if let row {
            group.count = row[0]
            if group.count == 0 { return group }
            switch function {
            case .count, .javaScript:
                return group
            case .sum where (row[1] as Int) == group.count:
                group.values = [.number(JSONNumber(row[2] as Int))]
                return group
            case .stats where (row[1] as Int) == group.count:
                group.values = [[
                    "sum": .number(JSONNumber(row[2] as Int)), "count": .number(JSONNumber(group.count)),
                    "min": .number(JSONNumber(row[3] as Int)), "max": .number(JSONNumber(row[4] as Int)),
                    "sumsqr": .number(JSONNumber(row[5] as Int)),
                ]]
                return group
            case .sum, .stats:
                break
            }
        }
        group.count = 0
        let cursor = try Row.fetchCursor(db.cachedStatement(sql: "SELECT value \(base)\(condition) \(order)"), arguments: arguments)
        while let row = try cursor.next() {
            group.count += 1
            let value: JSONValue = try row.withUnsafeData(atIndex: 0) { data in
                guard let data else { return .null }
                return (try? JSONParser.parse(data)) ?? .null
            }
            group.values.append(value)
        }
        return group
    }
}
