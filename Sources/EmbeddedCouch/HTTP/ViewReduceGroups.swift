import ViewEngine

extension ViewGrouping {
    /// How a reduce query's groups are read from the index.
    enum Strategy: Sendable {
        /// Every row in the range, in order (``DatabaseStore/scanGroups(index:view:range:level:input:)``).
        case scan
        /// Each group's first row, then SQLite's aggregate over the group
        /// (``DatabaseStore/seekGroups(index:view:range:level:function:maxGroups:scanBelow:)``): built-in
        /// reduces only.
        case seek
    }

    /// The grouping a reduce query asks for; `group_level=0` is one group over everything,
    /// as without grouping.
    static func level(of query: ViewQuery) -> Level {
        query.group ? .exact : query.groupLevel.map { $0 == 0 ? .none : .level($0) } ?? .none
    }

    /// The strategy that answers `query` under `reduce` fastest with the same answer: seeking
    /// for built-ins, except `_sum` and `_stats` over several `keys` without grouping, where
    /// one key's integer total would be added at once to what the other keys' values came to
    /// (a float, say) instead of row by row.
    static func strategy(for query: ViewQuery, reduce: ReduceFunction) -> Strategy {
        switch reduce {
        case .javaScript: .scan
        case .sum where query.keys != nil && level(of: query) == .none: .scan
        case .stats where query.keys != nil && level(of: query) == .none: .scan
        case .count, .sum, .stats: .seek
        }
    }

    /// The groups answering a reduce `query` of `view`, after `skip` and `limit` (`scanBelow`:
    /// see ``DatabaseStore/seekGroups(index:view:range:level:function:maxGroups:scanBelow:)``).
    static func groups(
        _ store: DatabaseStore, state: ViewIndexState, view: Int, query: ViewQuery, reduce: ReduceFunction, strategy: Strategy,
        scanBelow: Int = DatabaseStore.seekMinimumGroupSize
    ) async throws -> [ScannedGroup] {
        let level = Self.level(of: query)
        let input: ReduceInput = switch reduce {
        case .count: .count
        case .sum, .stats: .values
        case .javaScript: .rows
        }
        func read(_ range: DatabaseStore.ViewRange, maxGroups: Int?) async throws -> [ScannedGroup] {
            switch strategy {
            case .scan:
                try await store.scanGroups(index: state.index, view: view, range: range, level: level, input: input)
            case .seek:
                try await store.seekGroups(
                    index: state.index, view: view, range: range, level: level, function: reduce, maxGroups: maxGroups, scanBelow: scanBelow)
            }
        }
        var groups: [ScannedGroup] = []
        if let keys = query.keys {
            for key in keys {
                let found = try await read(ViewQuery.range(forKey: key, descending: query.descending), maxGroups: nil)
                if level == .none, let extra = found.first, !groups.isEmpty {
                    // Without grouping, the listed keys reduce together.
                    groups[0].count += extra.count
                    groups[0].values += extra.values
                    groups[0].rows += extra.rows
                } else {
                    groups += found
                }
            }
        } else {
            // Groups past `skip + limit` are never shown, so a seek stops before them.
            let shown = query.limit.flatMap { limit in
                let (sum, overflow) = query.skip.addingReportingOverflow(limit)
                return overflow ? nil : sum
            }
            groups = try await read(query.range, maxGroups: shown)
        }
        if query.skip > 0 { groups.removeFirst(min(query.skip, groups.count)) }
        if let limit = query.limit, groups.count > limit { groups.removeLast(groups.count - limit) }
        return groups
    }
}
