import CouchDB
import JSON

/// Installs the repository's design documents into databases, changing only what differs.
///
/// An unchanged design document is never written again, so its built indexes stay valid
/// (CouchDB rebuilds every view of a design document whenever the document changes).
public struct Bootstrapper: Sendable {
    /// The design documents to install (from ``DesignDocumentSource``).
    public var documents: [DesignDocument]
    /// Remove gasp design documents, and views inside them, that `Views/` no longer has.
    public var prune: Bool
    /// The `_security` object to set on each database, if any.
    public var security: SecurityObject?

    public init(documents: [DesignDocument], prune: Bool = false, security: SecurityObject? = nil) {
        self.documents = documents
        self.prune = prune
        self.security = security
    }

    /// Works out what would change in each database; changes nothing.
    public func plan(client: CouchClient, databases: [String]) async throws -> BootstrapPlan {
        var plans: [BootstrapPlan.DatabasePlan] = []
        for name in databases {
            plans.append(try await plan(database: client.database(name)))
        }
        return BootstrapPlan(databases: plans)
    }

    func plan(database: CouchDatabase) async throws -> BootstrapPlan.DatabasePlan {
        var plan = BootstrapPlan.DatabasePlan(database: database.name, steps: [], unchanged: [], documents: [:])
        let exists = try await database.exists()
        var installed: [String: JSONValue] = [:]
        if exists {
            let rows = try await database.allDocs(AllDocsQuery(startKey: "_design/", endKey: "_design0", includeDocs: true))
            for row in rows.rows {
                guard let id = row.id, let doc = row.doc, id.hasPrefix("_design/") else { continue }
                installed[String(id.dropFirst("_design/".count))] = doc
            }
        } else {
            plan.steps.append(.createDatabase)
        }

        for document in documents {
            var desired = document.json
            guard let current = installed[document.name] else {
                plan.steps.append(.install(design: document.name))
                plan.documents[document.name] = desired
                continue
            }
            if !prune, let currentViews = current["views"]?.objectValue {
                // Keep views someone added by hand unless asked to prune them.
                var views = desired["views"]?.objectValue ?? [:]
                for (name, view) in currentViews where views[name] == nil { views[name] = view }
                if !views.isEmpty { desired["views"] = .object(views) }
            }
            let changes = Self.differences(current: current, desired: desired)
            if changes.isEmpty {
                plan.unchanged.append(document.name)
            } else {
                let rev = current["_rev"]?.stringValue ?? ""
                desired["_rev"] = .string(rev)
                plan.steps.append(.update(design: document.name, rev: rev, changes: changes))
                plan.documents[document.name] = desired
            }
        }

        if prune {
            let wanted = Set(documents.map(\.name))
            for (name, doc) in installed.sorted(by: { $0.key < $1.key })
            where !wanted.contains(name) && doc[DesignDocument.managedMarker]?.boolValue == true {
                plan.steps.append(.remove(design: name, rev: doc["_rev"]?.stringValue ?? ""))
            }
        }

        if let security {
            let current = exists ? try await database.security() : nil
            if current != security {
                plan.steps.append(.setSecurity)
                plan.security = security
            }
        }
        return plan
    }

    /// The parts of a design document that differ: view names, `validate_doc_update`, language.
    static func differences(current: JSONValue, desired: JSONValue) -> [String] {
        var changes: [String] = []
        let currentViews = current["views"]?.objectValue ?? [:]
        let desiredViews = desired["views"]?.objectValue ?? [:]
        for (name, view) in desiredViews where currentViews[name] != view {
            changes.append(currentViews[name] == nil ? "new view \(name)" : "view \(name) changed")
        }
        for name in currentViews.keys where desiredViews[name] == nil {
            changes.append("view \(name) removed")
        }
        if current["validate_doc_update"] != desired["validate_doc_update"] {
            changes.append("validate_doc_update changed")
        }
        for member in ["language", DesignDocument.managedMarker] where current[member] != desired[member] {
            changes.append("\(member) changed")
        }
        return changes
    }

    /// Carries out `plan`, in order. A failure stops at once, naming the database and step;
    /// what was done before it is listed by the error (each step is a single write).
    public func apply(_ plan: BootstrapPlan, client: CouchClient, progress: @Sendable (String) -> Void = { _ in }) async throws {
        for databasePlan in plan.databases {
            let database = client.database(databasePlan.database)
            for step in databasePlan.steps {
                do {
                    switch step {
                    case .createDatabase:
                        _ = try await database.createIfMissing()
                    case .install(let name), .update(let name, _, _):
                        let document = databasePlan.documents[name] ?? .null
                        _ = try await database.put(document)
                    case .remove(let name, let rev):
                        _ = try await database.delete("_design/" + name, rev: rev)
                    case .setSecurity:
                        try await database.setSecurity(databasePlan.security ?? SecurityObject())
                    }
                } catch {
                    throw BootstrapError(.server, "\(databasePlan.database): " + BootstrapPlan.describe(step, applied: false)
                        .replacingOccurrences(of: "would ", with: "could not ") + ": \(error)")
                }
                progress("\(databasePlan.database): " + BootstrapPlan.describe(step, applied: true))
            }
        }
    }

    /// Queries one view of every design document that has views, so CouchDB builds the indexes
    /// now rather than on a user's first query. Reports each design document as it finishes.
    public func warm(client: CouchClient, databases: [String], progress: @Sendable (String, Duration) -> Void) async throws {
        let clock = ContinuousClock()
        for name in databases {
            let database = client.database(name)
            for document in documents {
                guard let view = document.views.first else { continue }
                let start = clock.now
                var query = ViewQuery()
                query.limit = 0
                if view.view.reduce != nil { query.reduce = false }
                _ = try await database.view(document.name, view.name, query)
                progress("\(name)/_design/\(document.name)", clock.now - start)
            }
        }
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}
