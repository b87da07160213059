import CouchDB
import Processing

/// The operator's switches in a site's document: drain (monitor and catalogue, claim nothing
/// new) and enable. The site's worker keeps them as it finds them at every heartbeat.
public enum SiteControl {
    /// Sets `site`'s `draining` switch; returns the document as written. Throws ``CouchError``
    /// with `notFound` when the site has never heartbeated.
    @discardableResult
    public static func setDraining(_ draining: Bool, site: String, database: CouchDatabase) async throws -> SiteDocument {
        try await update(site: site, database: database) { $0.draining = draining }
    }

    /// Sets `site`'s `enabled` switch: a disabled site claims nothing and is never named for a turn.
    @discardableResult
    public static func setEnabled(_ enabled: Bool, site: String, database: CouchDatabase) async throws -> SiteDocument {
        try await update(site: site, database: database) { $0.enabled = enabled }
    }

    static func update(site: String, database: CouchDatabase, _ change: (inout SiteDocument) -> Void) async throws -> SiteDocument {
        var attempt = 0
        while true {
            attempt += 1
            var document = try SiteDocument(json: try await database.get(SiteDocument.id(name: site)))
            change(&document)
            let written: Result<WriteResult, CouchError>
            do {
                written = .success(try await database.put(document.json))
            } catch {
                written = .failure(error)
            }
            switch written {
            case .success(let result):
                document.rev = result.rev
                return document
            case .failure(let error) where error.code == .conflict && attempt < 10:
                // The worker's heartbeat wrote in between: read again.
                continue
            case .failure(let error):
                throw error
            }
        }
    }
}
