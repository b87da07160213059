import Foundation
import JSON

/// `/`, `/_up`, `/_uuids`, `/_all_dbs`.
extension CouchService {
    func welcome(_ request: CouchRequest) throws(CouchHTTPError) -> CouchResponse {
        guard request.method == "GET" || request.method == "HEAD" else { throw methodNotAllowed("GET,HEAD") }
        return Self.json(200, [
            "couchdb": "Welcome",
            "version": "3.4.3",
            "git_sha": "gasp",
            "uuid": .string(serverUUID),
            "features": ["access-ready", "partitioned", "pluggable-storage-engines", "reshard", "scheduler"],
            "vendor": ["name": "gasp EmbeddedCouch"],
        ])
    }

    func up(_ request: CouchRequest) throws(CouchHTTPError) -> CouchResponse {
        guard request.method == "GET" || request.method == "HEAD" else { throw methodNotAllowed("GET,HEAD") }
        return Self.json(200, ["status": "ok", "seeds": [:]])
    }

    func uuids(_ request: CouchRequest) throws(CouchHTTPError) -> CouchResponse {
        guard request.method == "GET" else { throw methodNotAllowed("GET") }
        var count = 1
        if let text = request.query["count"] {
            guard let n = Int(text), n >= 0 else { throw .badRequest("count must be a positive integer") }
            guard n <= 1000 else { throw .badRequest("count parameter too large") }
            count = n
        }
        return Self.json(200, ["uuids": .array((0..<count).map { _ in .string(Self.newUUID()) })])
    }

    /// A random 32-hex id (server-generated document ids, `_uuids`).
    static func newUUID() -> String {
        var generator = SystemRandomNumberGenerator()
        let a = generator.next() as UInt64
        let b = generator.next() as UInt64
        return String(format: "%016llx%016llx", a, b)
    }

    func allDatabases(_ request: CouchRequest) async throws -> CouchResponse {
        guard request.method == "GET" || request.method == "HEAD" else { throw methodNotAllowed("GET,HEAD") }
        try requireServerAdmin(request.user)
        var names = await registry.allNames()
        let q = request.query
        let descending = q.bool("descending")
        if descending { names.reverse() }
        let start = try (q.json("startkey") ?? q.json("start_key"))?.stringValue
        let end = try (q.json("endkey") ?? q.json("end_key"))?.stringValue
        if let start { names = names.filter { descending ? $0 <= start : $0 >= start } }
        if let end { names = names.filter { descending ? $0 >= end : $0 <= end } }
        let skip = try q.nonNegativeInt("skip") ?? 0
        names = Array(names.dropFirst(skip))
        if let limit = try q.nonNegativeInt("limit") { names = Array(names.prefix(limit)) }
        return Self.json(200, .array(names.map(JSONValue.string)))
    }
}
