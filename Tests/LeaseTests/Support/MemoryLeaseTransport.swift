import CouchDB
import JSON
import Synchronization

/// A store of one database in memory, just enough of CouchDB for the lease document: GET and
/// PUT with revision checks, `_all_docs` by keys. Writes can be made to fail as if the store were unreachable.
final class MemoryLeaseTransport: HTTPTransport {
    private struct State {
        var documents: [String: JSONValue] = [:]
        var failWrites = false
        var puts = 0
        var failedPuts = 0
    }

    private let state = Mutex(State())

    /// Makes every PUT fail (connection refused) from now on, or not.
    func setFailWrites(_ fail: Bool) { state.withLock { $0.failWrites = fail } }
    /// PUTs received, failed ones included.
    var puts: Int { state.withLock { $0.puts } }
    /// PUTs failed on purpose.
    var failedPuts: Int { state.withLock { $0.failedPuts } }

    func send(_ request: TransportRequest) async throws -> TransportResponse {
        let path = request.url.split(separator: "/", maxSplits: 3).dropFirst(2).joined(separator: "/")
        let id = String(path.split(separator: "/").last ?? "").replacingOccurrences(of: "%3A", with: ":")
        return try state.withLock { state throws -> TransportResponse in
            if request.url.contains("/_all_docs") {
                // Only `keys` lookups: is the lease document there (no tombstones here)?
                let keys = (try JSONParser.parse(request.body ?? [])["keys"]?.arrayValue ?? []).compactMap(\.stringValue)
                let rows: [JSONValue] = keys.map { key in
                    guard let rev = state.documents[key]?["_rev"] else { return ["key": .string(key), "error": "not_found"] }
                    return ["id": .string(key), "key": .string(key), "value": ["rev": rev]]
                }
                return TransportResponse(status: 200, body: (["total_rows": .int(state.documents.count), "rows": .array(rows)] as JSONValue).serializedBytes())
            }
            switch request.method {
            case .GET:
                guard let document = state.documents[id] else {
                    return TransportResponse(status: 404, body: Array(#"{"error":"not_found","reason":"missing"}"#.utf8))
                }
                return TransportResponse(status: 200, body: document.serializedBytes())
            case .PUT:
                state.puts += 1
                if state.failWrites {
                    state.failedPuts += 1
                    throw TransportError(kind: .notConnected, message: "writes cut off by the test")
                }
                var body = try JSONParser.parse(request.body ?? [])
                let current = state.documents[id]?["_rev"]?.stringValue
                guard body["_rev"]?.stringValue == current else {
                    return TransportResponse(status: 409, body: Array(#"{"error":"conflict","reason":"Document update conflict."}"#.utf8))
                }
                let generation = (current.flatMap { Int($0.split(separator: "-")[0]) } ?? 0) + 1
                let rev = "\(generation)-\(String(repeating: String(generation % 10), count: 32))"
                body["_rev"] = .string(rev)
                state.documents[id] = body
                return TransportResponse(status: 201, body: (["ok": true, "id": .string(id), "rev": .string(rev)] as JSONValue).serializedBytes())
            default:
                return TransportResponse(status: 405, body: Array(#"{"error":"method_not_allowed","reason":"Only GET,PUT allowed"}"#.utf8))
            }
        }
    }
}
