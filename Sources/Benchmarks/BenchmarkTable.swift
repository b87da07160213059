/// One table of benchmark figures, printed as aligned text.
///
/// Each row is one measured figure for the embedded store and, when a reference server was
/// measured in the same run, for that server too with the ratio between them.
public struct BenchmarkTable: Sendable {
    /// One measured figure.
    public struct Row: Sendable {
        /// What was measured.
        public var name: String
        /// The unit, e.g. `docs/s` or `ms`.
        public var unit: String
        /// Whether a larger figure is better (rates) or a smaller one (latencies).
        public var higherIsBetter: Bool
        /// The figure for the embedded store.
        public var embedded: Double
        /// The figure for the reference server, when one was measured.
        public var reference: Double?
        /// The goal the issue sets, e.g. `≥ 20000`.
        public var goal: String

        /// Whether the embedded figure meets `goalValue`.
        public var meetsGoal: Bool? {
            guard let goalValue else { return nil }
            return higherIsBetter ? embedded >= goalValue : embedded <= goalValue
        }
        /// The numeric goal.
        public var goalValue: Double?
        /// Whether the figure is a count, printed without decimals.
        public var isCount: Bool

        public init(
            name: String, unit: String, higherIsBetter: Bool, embedded: Double, reference: Double? = nil, goal: Double?,
            isCount: Bool = false
        ) {
            self.name = name
            self.unit = unit
            self.higherIsBetter = higherIsBetter
            self.embedded = embedded
            self.reference = reference
            self.goalValue = goal
            self.isCount = isCount
            if let goal {
                self.goal = (higherIsBetter ? "≥ " : "≤ ") + (isCount ? String(Int(goal)) : BenchmarkTable.format(goal))
            } else {
                self.goal = ""
            }
        }
    }

    /// The table's title.
    public var title: String
    /// The rows, in order.
    public var rows: [Row]
    /// The name of the reference server column, when one was measured.
    public var referenceName: String?

    public init(title: String, rows: [Row], referenceName: String? = nil) {
        self.title = title
        self.rows = rows
        self.referenceName = referenceName
    }

    /// The table as text, one line per row.
    public func rendered() -> String {
        var header = ["figure", "unit", "embedded", "goal", "met"]
        if let referenceName { header += [referenceName, "embedded better by"] }
        var lines: [[String]] = [header]
        for row in rows {
            let figure = row.isCount ? String(Int(row.embedded)) : Self.format(row.embedded)
            var line = [row.name, row.unit, figure, row.goal, row.meetsGoal.map { $0 ? "yes" : "NO" } ?? ""]
            if referenceName != nil {
                if let reference = row.reference, reference > 0, row.embedded > 0 {
                    let ratio = row.higherIsBetter ? row.embedded / reference : reference / row.embedded
                    line += [Self.format(reference), String(format: "%.2f×", ratio)]
                } else {
                    line += ["-", "-"]
                }
            }
            lines.append(line)
        }
        var widths = Array(repeating: 0, count: header.count)
        for line in lines {
            for (i, cell) in line.enumerated() { widths[i] = max(widths[i], cell.count) }
        }
        var out = title + "\n"
        for (index, line) in lines.enumerated() {
            let cells = line.enumerated().map { i, cell in
                i == 0 ? cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[i] - cell.count) + cell
            }
            out += cells.joined(separator: "  ") + "\n"
            if index == 0 { out += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n" }
        }
        return out
    }

    static func format(_ value: Double) -> String {
        if value >= 1000 { return String(Int(value.rounded())) }
        if value >= 10 { return String(format: "%.1f", value) }
        return String(format: "%.3f", value)
    }
}

import Foundation
