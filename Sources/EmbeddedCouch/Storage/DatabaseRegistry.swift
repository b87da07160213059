import Foundation
import Logging

/// The databases of a server: one SQLite file each under `<data>/dbs/`, opened on first use.
actor DatabaseRegistry {
    private let directory: String
    private var names: Set<String> = []
    private var open: [String: DatabaseStore] = [:]

    /// The databases CouchDB creates for itself.
    static let systemDatabases = ["_users", "_replicator"]

    init(dataDirectory: String) throws {
        directory = (dataDirectory as NSString).appendingPathComponent("dbs")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for file in try FileManager.default.contentsOfDirectory(atPath: directory) where file.hasSuffix(".sqlite") {
            if let name = Self.name(fromFile: String(file.dropLast(".sqlite".count))) { names.insert(name) }
        }
    }

    /// Creates `_users` and `_replicator` when missing.
    func createSystemDatabases() throws {
        for name in Self.systemDatabases where !names.contains(name) { _ = try create(name) }
    }

    /// All database names, sorted.
    func allNames() -> [String] { names.sorted() }

    /// The open database, nil when it does not exist.
    func database(_ name: String) throws -> DatabaseStore? {
        if let store = open[name] { return store }
        guard names.contains(name) else { return nil }
        let store = try DatabaseStore(name: name, path: path(for: name))
        open[name] = store
        return store
    }

    /// Creates a database: nil when it already exists.
    func create(_ name: String) throws -> DatabaseStore? {
        guard !names.contains(name) else { return nil }
        let store = try DatabaseStore(name: name, path: path(for: name))
        names.insert(name)
        open[name] = store
        return store
    }

    /// Deletes a database and its files; false when it does not exist.
    func delete(_ name: String) throws -> Bool {
        guard names.remove(name) != nil else { return false }
        if let store = open.removeValue(forKey: name) { try? store.close() }
        let base = path(for: name)
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: base + suffix) }
        return true
    }

    /// Compacts, every `interval`, each open database that has had at least `minimumChanges`
    /// updates since it was last compacted (CouchDB compacts automatically too). Returns when
    /// the task is cancelled.
    nonisolated func compactPeriodically(every interval: Duration, minimumChanges: Int = 1000, logger: Logger) async {
        var compactedAt: [ObjectIdentifier: Int] = [:]
        while true {
            try? await Task.sleep(for: interval)
            if Task.isCancelled { return }
            for store in await openStores() {
                let seq = await store.notifier.currentSequence
                let key = ObjectIdentifier(store)
                guard seq - (compactedAt[key] ?? 0) >= minimumChanges else { continue }
                do {
                    let dropped = try await store.compact()
                    compactedAt[key] = seq
                    logger.debug("compacted", metadata: ["db": "\(store.name)", "bodies": "\(dropped)"])
                } catch {
                    logger.warning("compaction failed", metadata: ["db": "\(store.name)", "error": "\(error)"])
                }
            }
        }
    }

    private func openStores() -> [DatabaseStore] { Array(open.values) }

    /// CouchDB's rule: a lowercase letter first, then `a-z 0-9 _ $ ( ) + - /`; system names pass.
    static func isValidName(_ name: String) -> Bool {
        if systemDatabases.contains(name) || name == "_global_changes" { return true }
        let bytes = Array(name.utf8)
        guard let first = bytes.first, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first), bytes.count <= 238 else { return false }
        return bytes.allSatisfy { b in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b)
                || "_$()+-/".utf8.contains(b)
        }
    }

    private func path(for name: String) -> String {
        (directory as NSString).appendingPathComponent(Self.fileName(for: name) + ".sqlite")
    }

    /// File names keep `a-z 0-9 _ -` and write every other byte as `%XX`, so they map back.
    static func fileName(for name: String) -> String {
        var out = ""
        for b in name.utf8 {
            if (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b)
                || b == UInt8(ascii: "_") || b == UInt8(ascii: "-") {
                out.append(Character(UnicodeScalar(b)))
            } else {
                out += String(format: "%%%02X", b)
            }
        }
        return out
    }

    static func name(fromFile file: String) -> String? { file.removingPercentEncoding }
}
