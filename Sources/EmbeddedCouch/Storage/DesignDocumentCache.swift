import Crypto
import GRDB
import JSON
import Synchronization
import ViewEngine

/// One live design document of a database, with what the view and validation code needs.
struct LoadedDesign: Sendable {
    /// `_design/...`.
    var id: String
    /// The document as stored (with `_id` and `_rev`).
    var value: JSONValue
    /// Its functions, when it is a JavaScript design document CouchDB would run.
    var functions: DesignDocument?
    /// The view signature: a hash of the views and the language, so an index survives edits
    /// to anything else in the design document and is rebuilt when a view changes.
    var signature: String

    init(id: String, value: JSONValue) {
        self.id = id
        self.value = value
        self.functions = try? DesignDocument(value)
        var material = value["language"]?.serialized() ?? "\"javascript\""
        material += "\u{0}" + (value["views"]?.serialized() ?? "{}")
        self.signature = SHA256.hash(data: Array(material.utf8)).prefix(16).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}

/// The live design documents of each open database, reloaded when any of them changes.
///
/// Which design documents exist (and at which sequence) is one small range read over the
/// primary key, so checking costs little; bodies are parsed again only when it differs.
final class DesignDocumentCache: Sendable {
    private struct Entry {
        var fingerprint: [DesignStamp]
        var designs: [LoadedDesign]
    }

    private struct DesignStamp: Equatable {
        var id: String
        var seq: Int
    }

    private let entries = Mutex<[String: Entry]>([:])

    /// The live (not deleted) design documents of `store`, by id order.
    func designs(_ store: DatabaseStore) async throws -> [LoadedDesign] {
        let key = store.name + "|" + store.sequence.suffix
        let stamps = try await store.pool.read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT id, seq FROM docs WHERE id >= '_design/' AND id < '_design0' AND deleted = 0"))
                .map { DesignStamp(id: $0[0], seq: $0[1]) }
        }
        if let cached = entries.withLock({ $0[key] }), cached.fingerprint == stamps { return cached.designs }
        var designs: [LoadedDesign] = []
        for stamp in stamps {
            guard let (record, revision) = try await store.document(id: stamp.id, rev: nil), !record.deleted, let revision else { continue }
            designs.append(LoadedDesign(id: stamp.id, value: try DocumentJSON.value(id: stamp.id, revision: revision)))
        }
        entries.withLock { $0[key] = Entry(fingerprint: stamps, designs: designs) }
        return designs
    }

    /// One live design document, or nil.
    func design(_ store: DatabaseStore, id: String) async throws -> LoadedDesign? {
        try await designs(store).first { $0.id == id }
    }

    /// The design documents with a `validate_doc_update`, in id order.
    func validators(_ store: DatabaseStore) async throws -> [DesignDocument] {
        try await designs(store).compactMap { design in
            guard let functions = design.functions, functions.validateDocUpdate != nil else { return nil }
            return functions
        }
    }
}
