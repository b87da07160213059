import Hummingbird
import NIOCore

/// Streamed `_changes` feeds. `feed=continuous`: one JSON line per change as changes commit,
/// with newline heartbeats, ending after `timeout` without changes (or at `limit`) with a
/// `{"last_seq":…,"pending":…}` line. `feed=longpoll&heartbeat=N`: newlines every N ms while
/// waiting (no timeout, as in CouchDB), then the normal JSON body.
extension CouchService {
    /// A streamed response for a continuous feed; nil for every other request (and for a
    /// continuous request that fails before streaming, so the normal path answers the error).
    func streamedResponse(
        method: String, rawPath: Substring, rawQuery: Substring?, headers: [String: String], body: [UInt8], clientAddress: String, origin: String
    ) async -> Response? {
        let path = RequestPath(rawPath: rawPath)
        let query = QueryParameters(rawQuery: rawQuery)
        let feed = query["feed"]
        guard path.segments.count == 2, path.segments[1] == "_changes", method == "GET" || method == "POST",
              feed == "continuous" || (feed == "longpoll" && query["heartbeat"] != nil)
        else { return nil }
        let authRequest = AuthRequest(authorization: headers["authorization"], cookie: headers["cookie"], clientAddress: clientAddress)
        guard case .success(let authentication) = await authenticator.authenticate(authRequest),
              let store = try? await registry.database(path.segments[0])
        else { return nil }
        let request = CouchRequest(method: method, path: path, query: query, headers: headers, body: body, user: authentication.user, origin: origin)
        let context = DatabaseContext(store: store, security: store.security(), request: request)
        guard (try? context.authorize(.read)) != nil, var parsed = try? changesRequest(context), parsed.customFilter == nil else { return nil }
        if parsed.sinceNow { parsed.query.since = await store.notifier.currentSequence }
        var fields = HTTPFields()
        fields[.contentType] = "application/json"
        fields[.cacheControl] = "must-revalidate"
        let changes = parsed
        if changes.feed == "longpoll" {
            return Response(status: .ok, headers: fields, body: ResponseBody { writer in
                try await Self.streamLongpoll(changes, store: store, writer: &writer)
            })
        }
        return Response(status: .ok, headers: fields, body: ResponseBody { writer in
            try await Self.streamChanges(changes, store: store, writer: &writer)
        })
    }

    private static func streamLongpoll(_ request: ChangesRequest, store: DatabaseStore, writer: inout any ResponseBodyWriter) async throws {
        var result = try await store.changes(request.query)
        while result.rows.isEmpty && !request.query.descending {
            if await store.notifier.wait(after: result.lastSeq, timeout: request.heartbeat ?? .seconds(60)) {
                result = try await store.changes(request.query)
            } else {
                if Task.isCancelled { return }
                try await writer.write(ByteBuffer(bytes: [UInt8(ascii: "\n")]))
            }
        }
        try await writer.write(ByteBuffer(bytes: changesBody(result, request: request, sequence: store.sequence) + [UInt8(ascii: "\n")]))
        try await writer.finish(nil)
    }

    private static func streamChanges(_ request: ChangesRequest, store: DatabaseStore, writer: inout any ResponseBodyWriter) async throws {
        var query = request.query
        var sent = 0
        let clock = ContinuousClock()
        // With a heartbeat the feed runs until the client goes away, as CouchDB's does.
        let idle = request.heartbeat == nil ? request.timeout : .seconds(365 * 24 * 3600)
        var deadline = clock.now.advanced(by: idle)
        var pending = 0
        while true {
            let result = try await store.changes(query)
            pending = result.pending
            if !result.rows.isEmpty {
                var out = JSONBytes(capacity: 512 * result.rows.count)
                for row in result.rows {
                    writeChange(row, request: request, sequence: store.sequence, into: &out)
                    out.raw("\n")
                }
                try await writer.write(ByteBuffer(bytes: out.bytes))
                sent += result.rows.count
                deadline = clock.now.advanced(by: idle)
            }
            query.since = result.lastSeq
            if let limit = request.query.limit {
                if sent >= limit { break }
                query.limit = limit - sent
            }
            if query.descending { break }
            let wait = min(clock.now.duration(to: deadline), request.heartbeat ?? .seconds(3600))
            if wait <= .zero { break }
            if !(await store.notifier.wait(after: query.since, timeout: wait)) {
                if Task.isCancelled { return }
                if clock.now >= deadline { break }
                try await writer.write(ByteBuffer(bytes: [UInt8(ascii: "\n")]))
            }
        }
        var out = JSONBytes()
        out.raw("{\"last_seq\":")
        out.string(store.sequence.string(query.since))
        out.raw(",\"pending\":")
        out.int(pending)
        out.raw("}\n")
        try await writer.write(ByteBuffer(bytes: out.bytes))
        try await writer.finish(nil)
    }
}
