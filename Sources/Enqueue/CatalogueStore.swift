import CouchDB
import Foundation
import JSON
import Processing
import SiteConfiguration

/// Where module catalogues come from: a YAML file (`Ops/examples/catalogue-<version>.yaml`)
/// or the `catalogue:<version>` document holding the same content.
public enum CatalogueStore {
    /// Reads and validates the YAML file at `path`; every problem names the file, line and key.
    public static func load(path: String) throws(EnqueueError) -> ModuleCatalogue {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw EnqueueError(.invalidInput, "nothing was written", problems: [
                InputProblem(.unreadable, source: path, key: nil, "cannot read it (\(error.localizedDescription))"),
            ])
        }
        return try parse(text, file: path)
    }

    /// Parses and validates catalogue YAML text; `file` names it in problems.
    public static func parse(_ text: String, file: String) throws(EnqueueError) -> ModuleCatalogue {
        let yaml: LocatedYAML
        do {
            yaml = try LocatedYAML.parse(text, file: file)
        } catch {
            throw EnqueueError(.invalidInput, "nothing was written", problems: [
                InputProblem(.syntax, source: file, line: error.line, column: error.column, key: error.key, error.message),
            ])
        }
        let positions = yaml.positions
        do {
            return try ModuleCatalogue(json: yaml.value, source: file) { path in
                positions[path].map { ($0.line, $0.column) }
            }
        } catch {
            throw EnqueueError.invalid(error)
        }
    }

    /// The catalogue stored for `version` in `database`, validated; nil when there is none.
    public static func fetch(version: String, from database: CouchDatabase) async throws -> ModuleCatalogue? {
        let id = ModuleCatalogue.id(version: version)
        guard let document = try await database.getIfExists(id) else { return nil }
        do {
            return try ModuleCatalogue(json: document, source: id)
        } catch {
            throw EnqueueError.invalid(error)
        }
    }

    /// The catalogue for `version`: from `path` when given (its version must match), else the
    /// database's document; a version with neither is an error.
    public static func resolve(version: String, path: String?, database: CouchDatabase) async throws -> ModuleCatalogue {
        if let path {
            let catalogue = try load(path: path)
            guard catalogue.version == version else {
                throw EnqueueError(.unknownVersion, "\(path) is the catalogue of version \(catalogue.version), not \(version)")
            }
            return catalogue
        }
        guard let catalogue = try await fetch(version: version, from: database) else {
            throw EnqueueError(.unknownVersion,
                               "unknown version \(version): the database has no \(ModuleCatalogue.id(version: version)); install one with `gasp catalogue install FILE` or give --catalogue FILE")
        }
        return catalogue
    }

    /// Stores `catalogue` as its `module_catalogue` document; returns false when the stored
    /// one already has the same content.
    @discardableResult
    public static func install(_ catalogue: ModuleCatalogue, into database: CouchDatabase) async throws -> Bool {
        var document = catalogue.document
        if let existing = try await database.getIfExists(document["_id"]!.stringValue!) {
            if let stored = try? ModuleCatalogue(json: existing, source: ""), stored == catalogue { return false }
            document["_rev"] = existing["_rev"]
            if let epoch = existing["epoch"] { document["epoch"] = epoch }
        }
        _ = try await database.put(document)
        return true
    }
}
