import Foundation
import GRDB
import JSON
import Synchronization

/// One database: a SQLite file (WAL, `synchronous=FULL`, so an answered write is on disk).
///
/// Writes go through GRDB's single writer, one transaction per request (a whole `_bulk_docs`
/// included), so writes to one database are serialised; reads run concurrently on the pool's
/// readers. The ``ChangeNotifier`` actor wakes `_changes` longpolls after each commit.
final class DatabaseStore: Sendable {
    /// The database name.
    let name: String
    /// Sequence formatting for this database.
    let sequence: UpdateSequence
    /// Wakes waiting `_changes` feeds.
    let notifier: ChangeNotifier
    /// When this database was opened (CouchDB's `instance_start_time` is informative only).
    let instanceStartTime: String
    let pool: DatabasePool
    /// The `_security` object, read once and kept in memory (every request checks it).
    private let securityObject: Mutex<JSONValue>

    /// The `_security` object a new database gets (CouchDB's `default_security = admin_only`).
    static let defaultSecurity: JSONValue = ["members": ["roles": ["_admin"]], "admins": ["roles": ["_admin"]]]

    /// Opens (creating when asked) the database file at `path`.
    init(name: String, path: String) throws {
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        configuration.maximumReaderCount = 4
        let pool = try DatabasePool(path: path, configuration: configuration)
        // GRDB switches the writer to synchronous=NORMAL when it enables WAL (after
        // prepareDatabase ran); the writer is one connection, so setting FULL here sticks.
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        try pool.write { db in
            try Self.createSchema(db)
            try Self.upgradeViewSchema(db)
        }
        let suffix = try pool.read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'uuid'") } ?? ""
        let current = try pool.read { db in try Counters.load(db).seq }
        let securityText = try pool.read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'security'") }
        self.securityObject = Mutex(securityText.flatMap { try? JSONParser.parse($0) } ?? [:])
        self.name = name
        self.pool = pool
        self.sequence = UpdateSequence(suffix: suffix)
        self.notifier = ChangeNotifier(current: current)
        self.instanceStartTime = String(Int(Date().timeIntervalSince1970))
    }

    private static func createSchema(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE IF NOT EXISTS docs(
                id TEXT PRIMARY KEY NOT NULL, seq INTEGER NOT NULL, rev TEXT NOT NULL,
                deleted INTEGER NOT NULL, tree TEXT NOT NULL) WITHOUT ROWID;
            CREATE UNIQUE INDEX IF NOT EXISTS docs_by_seq ON docs(seq);
            CREATE TABLE IF NOT EXISTS revs(
                doc_id TEXT NOT NULL, rev TEXT NOT NULL, deleted INTEGER NOT NULL,
                body BLOB NOT NULL, atts BLOB, UNIQUE(doc_id, rev));
            CREATE TABLE IF NOT EXISTS attachments(digest TEXT NOT NULL UNIQUE, data BLOB NOT NULL);
            CREATE TABLE IF NOT EXISTS local_docs(id TEXT PRIMARY KEY NOT NULL, rev INTEGER NOT NULL, body BLOB NOT NULL) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY NOT NULL, value) WITHOUT ROWID;
            """)
        try db.execute(sql: "CREATE TABLE IF NOT EXISTS counters(id INTEGER PRIMARY KEY, seq INTEGER NOT NULL, docs INTEGER NOT NULL, deleted INTEGER NOT NULL)")
        if try Int.fetchOne(db, sql: "SELECT count(*) FROM counters") == 0 {
            try db.execute(sql: """
                INSERT INTO counters(id, seq, docs, deleted) VALUES (1,
                    coalesce((SELECT max(seq) FROM docs), 0),
                    (SELECT count(*) FROM docs WHERE deleted = 0), (SELECT count(*) FROM docs WHERE deleted != 0))
                """)
        }
        if try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'uuid'") == nil {
            let suffix = (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
            try db.execute(sql: "INSERT INTO meta(key, value) VALUES ('uuid', ?), ('security', ?)",
                           arguments: [suffix, DatabaseStore.defaultSecurity.serialized()])
        }
    }

    /// The update sequence and document counts, kept in one row changed with every write, so
    /// that database info costs no scan.
    struct Counters: Equatable {
        var seq = 0
        var docs = 0
        var deleted = 0

        /// Documents in the by-sequence index, deleted ones included.
        var total: Int { docs + deleted }

        static func load(_ db: Database) throws -> Counters {
            guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT seq, docs, deleted FROM counters WHERE id = 1")) else {
                return Counters()
            }
            return Counters(seq: row[0], docs: row[1], deleted: row[2])
        }

        func save(_ db: Database) throws {
            try db.cachedStatement(sql: "UPDATE counters SET seq = ?, docs = ?, deleted = ? WHERE id = 1")
                .execute(arguments: [seq, docs, deleted])
        }

        /// Accounts for a document going from `before` to `after` (nil: absent; true: deleted).
        mutating func account(before: Bool?, after: Bool?) {
            switch before {
            case false?: docs -= 1
            case true?: deleted -= 1
            case nil: break
            }
            switch after {
            case false?: docs += 1
            case true?: deleted += 1
            case nil: break
            }
        }
    }

    /// Closes the file (before the database is deleted).
    func close() throws { try pool.close() }

    // MARK: Database information

    /// Document counts and the update sequence.
    struct Info: Sendable {
        var docCount: Int
        var deletedCount: Int
        var updateSeq: Int
    }

    func info() async throws -> Info {
        try await pool.read { db in
            let counters = try Counters.load(db)
            return Info(docCount: counters.docs, deletedCount: counters.deleted, updateSeq: counters.seq)
        }
    }

    /// The `_security` object.
    func security() -> JSONValue {
        securityObject.withLock { $0 }
    }

    /// Replaces the `_security` object.
    func setSecurity(_ value: JSONValue) async throws {
        let text = value.serialized()
        try await pool.write { db in
            try db.execute(sql: "UPDATE meta SET value = ? WHERE key = 'security'", arguments: [text])
        }
        securityObject.withLock { $0 = value }
    }

    // MARK: Attachment bytes

    /// The bytes stored under `digest`.
    func attachmentData(digest: String) async throws -> [UInt8]? {
        try await pool.read { db in
            try Data.fetchOne(db.cachedStatement(sql: "SELECT data FROM attachments WHERE digest = ?"), arguments: [digest])
                .map { [UInt8]($0) }
        }
    }

    /// The bytes of several attachments, by digest.
    func attachmentData(digests: [String]) async throws -> [String: [UInt8]] {
        try await pool.read { db in
            var out: [String: [UInt8]] = [:]
            let statement = try db.cachedStatement(sql: "SELECT data FROM attachments WHERE digest = ?")
            for digest in digests {
                if let data = try Data.fetchOne(statement, arguments: [digest]) { out[digest] = [UInt8](data) }
            }
            return out
        }
    }
}
