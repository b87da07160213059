import CouchDB
import Processing

/// The `switch:auto_processing` document: when its `enabled` is false, run sensing and
/// pending-run processing do nothing anywhere in the database.
public struct AutomaticProcessing: Sendable {
    public var database: CouchDatabase

    /// Makes an accessor.
    public init(database: CouchDatabase) { self.database = database }

    /// False only when the switch document exists and says `enabled: false`.
    public func isEnabled() async throws -> Bool {
        guard let document = try await database.getIfExists(SwitchDocument.id(name: SwitchDocument.autoProcessing)) else { return true }
        do { return try SwitchDocument(json: document).enabled } catch { throw error.enqueueError }
    }

    /// Sets the switch, keeping the document's epoch (or stamping `epoch`).
    public func set(enabled: Bool, reason: String?, epoch: Int64? = nil) async throws {
        for _ in 0..<5 {
            var document = SwitchDocument(name: SwitchDocument.autoProcessing, enabled: enabled, reason: reason)
            if let existing = try await database.getIfExists(document.id) {
                do {
                    let read = try SwitchDocument(json: existing)
                    document.rev = read.rev
                    document.epoch = read.epoch
                    document.extra = read.extra
                } catch { throw error.enqueueError }
            }
            if let epoch { document.epoch = epoch }
            switch await CalibrationLocks.put(document.json, into: database) {
            case .success: return
            case .failure(let error) where error.code == .conflict: continue
            case .failure(let error): throw error
            }
        }
        throw EnqueueError(.conflict, "switch:auto_processing kept changing; try again")
    }
}
