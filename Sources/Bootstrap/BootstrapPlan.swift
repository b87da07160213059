import CouchDB
import JSON

/// What `gasp bootstrap` would change, per database; applying it changes exactly this.
public struct BootstrapPlan: Sendable {
    /// One change to one database.
    public enum Step: Sendable, Equatable {
        /// Create the database.
        case createDatabase
        /// Install a design document that the database does not have.
        case install(design: String)
        /// Replace a design document whose content differs (the changed parts named).
        case update(design: String, rev: String, changes: [String])
        /// Delete a gasp design document that is no longer in `Views/` (`--prune`).
        case remove(design: String, rev: String)
        /// Replace the `_security` object.
        case setSecurity
    }

    /// The plan of one database.
    public struct DatabasePlan: Sendable {
        public var database: String
        public var steps: [Step]
        /// The design documents that are already as `Views/` has them.
        public var unchanged: [String]
        /// The documents to write, by design-document name (for `install` and `update`).
        var documents: [String: JSONValue]
        /// The security object to set, for `setSecurity`.
        var security: SecurityObject?
    }

    /// The databases, in the order given.
    public var databases: [DatabasePlan]

    /// Whether applying the plan would change nothing.
    public var isEmpty: Bool { databases.allSatisfy(\.steps.isEmpty) }

    /// One line per step, in the words `gasp bootstrap` prints.
    public func describe(applied: Bool) -> [String] {
        var lines: [String] = []
        for plan in databases {
            for step in plan.steps {
                lines.append("\(plan.database): " + Self.describe(step, applied: applied))
            }
            if plan.steps.isEmpty {
                lines.append("\(plan.database): up to date (\(plan.unchanged.count) design documents unchanged)")
            }
        }
        return lines
    }

    static func describe(_ step: Step, applied: Bool) -> String {
        switch step {
        case .createDatabase: return applied ? "created the database" : "would create the database"
        case .install(let name): return (applied ? "installed" : "would install") + " _design/\(name)"
        case .update(let name, _, let changes):
            return (applied ? "updated" : "would update") + " _design/\(name) (\(changes.joined(separator: ", ")))"
        case .remove(let name, _): return (applied ? "removed" : "would remove") + " _design/\(name) (no longer in Views/)"
        case .setSecurity: return (applied ? "set" : "would set") + " the _security object"
        }
    }
}
