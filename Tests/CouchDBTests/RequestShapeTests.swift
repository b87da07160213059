@testable import CouchDB
import JSON
import Testing

@Suite("Request shapes (scripted server)")
struct RequestShapeTests {
    @Test("ids are percent-encoded per segment; _design/ and _local/ keep their slash")
    func documentPaths() {
        #expect(PathEncoding.document("plain") == "plain")
        #expect(PathEncoding.document("a/b") == "a%2Fb")
        #expect(PathEncoding.document("_design/jobs") == "_design/jobs")
        #expect(PathEncoding.document("_design/a/b") == "_design/a%2Fb")
        #expect(PathEncoding.document("_local/lease") == "_local/lease")
        #expect(PathEncoding.document("job:mod:0000000001") == "job:mod:0000000001")
        #expect(PathEncoding.document("a b+c?d#e%f") == "a%20b%2Bc%3Fd%23e%25f")
        #expect(PathEncoding.document("é") == "%C3%A9")
        #expect(PathEncoding.segment("db/with$+()-_") == "db%2Fwith$%2B()-_")
    }

    @Test("URLs with credentials are split into base URL and Basic credentials")
    func urlSplitting() throws {
        let (base, credentials) = try CouchClient.split(url: "http://ad%40min:p%3Ass@127.0.0.1:5984/")
        #expect(base == "http://127.0.0.1:5984")
        #expect(credentials == .basic(name: "ad@min", password: "p:ss"))
        let (prefixed, none) = try CouchClient.split(url: "https://couch.example.org/couchdb")
        #expect(prefixed == "https://couch.example.org/couchdb")
        #expect(none == .none)
        #expect(throws: CouchError.self) { try CouchClient.split(url: "127.0.0.1:5984") }
    }

    @Test("view keys are JSON-encoded in the query string; keys make it a POST")
    func viewQueries() async throws {
        let rows: JSONValue = ["total_rows": 1, "offset": 0, "rows": [["id": "a", "key": ["x", 1], "value": nil]]]
        let transport = ScriptedTransport([.respond(200, rows), .respond(200, rows)])
        let db = try scriptedClient(transport).database("db")
        let response = try await db.view("_design/jobs", "by_status", ViewQuery(
            startKey: ["waiting", 1], endKey: ["waiting", ["a": 1]], startKeyDocID: "a/b", inclusiveEnd: false,
            descending: true, limit: 10, skip: 2, includeDocs: true, reduce: false, groupLevel: 2, update: .lazy,
            stale: .ok, updateSeq: true))
        #expect(response.rows.first?.key == ["x", 1])
        #expect(response.rows.first?.value == .null)
        _ = try await db.view("jobs", "by_status", ViewQuery(keys: ["a", .number(JSONNumber(uncheckedText: "12345678901234567890"))], group: true))

        let requests = await transport.requests
        let paths = await transport.paths
        #expect(requests[0].method == .GET)
        #expect(paths[0] == "/db/_design/jobs/_view/by_status?startkey=%5B%22waiting%22%2C1%5D"
            + "&endkey=%5B%22waiting%22%2C%7B%22a%22%3A1%7D%5D&startkey_docid=a%2Fb&inclusive_end=false"
            + "&descending=true&limit=10&skip=2&include_docs=true&reduce=false&group_level=2&update=lazy"
            + "&stale=ok&update_seq=true")
        #expect(requests[1].method == .POST)
        #expect(paths[1] == "/db/_design/jobs/_view/by_status?group=true")
        #expect(requests[1].headers.first(name: "Content-Type") == "application/json")
        #expect(requests[1].body.map { String(decoding: $0, as: UTF8.self) } == #"{"keys":["a",12345678901234567890]}"#)
    }

    @Test("put sends the rev as If-Match; delete and attachments send it as ?rev=")
    func revisionsInRequests() async throws {
        let written: JSONValue = ["ok": true, "id": "d", "rev": "2-b"]
        let transport = ScriptedTransport(Array(repeating: .respond(201, written), count: 3))
        let db = try scriptedClient(transport).database("db")
        _ = try await db.put(["_id": "d", "n": 1], rev: "1-a")
        _ = try await db.delete("d", rev: "2-b")
        _ = try await db.putAttachment("d", name: "dir/f.txt", rev: "3-c", data: Array("hi".utf8), contentType: "text/plain")
        let requests = await transport.requests
        let paths = await transport.paths
        #expect(requests[0].headers.first(name: "If-Match") == "1-a")
        #expect(paths[0] == "/db/d")
        #expect(paths[1] == "/db/d?rev=2-b")
        #expect(paths[2] == "/db/d/dir%2Ff.txt?rev=3-c")
        #expect(requests[2].headers.first(name: "Content-Type") == "text/plain")
        #expect(requests[2].body == Array("hi".utf8))
    }

    @Test("_changes queries: longpoll timeout, since, style, filters; doc_ids go in a POST body")
    func changesQueries() async throws {
        let empty: JSONValue = ["results": [], "last_seq": "7-abc", "pending": 0]
        let transport = ScriptedTransport(Array(repeating: .respond(200, empty), count: 3))
        let db = try scriptedClient(transport).database("db")
        let longpoll = try await db.changesOnce(ChangesQuery(
            feed: .longpoll, since: UpdateSequence("3-x"), limit: 5, includeDocs: true, style: .allDocs,
            timeout: .seconds(10)))
        #expect(longpoll.lastSequence == UpdateSequence("7-abc"))
        _ = try await db.changesOnce(ChangesQuery(since: .now, filter: .documentIDs(["a/b", "c"])))
        _ = try await db.changesOnce(ChangesQuery(filter: .custom("app/by_type", parameters: ["type": "job"])))

        let requests = await transport.requests
        let paths = await transport.paths
        #expect(paths[0] == "/db/_changes?feed=longpoll&timeout=10000&since=3-x&limit=5&include_docs=true&style=all_docs")
        #expect(requests[0].timeout == .seconds(15), "the wait plus the client's request timeout")
        #expect(requests[1].method == .POST)
        #expect(paths[1] == "/db/_changes?since=now&filter=_doc_ids")
        #expect(requests[1].body.map { String(decoding: $0, as: UTF8.self) } == #"{"doc_ids":["a/b","c"]}"#)
        #expect(requests[1].timeout == .seconds(5))
        #expect(paths[2] == "/db/_changes?filter=app%2Fby_type&type=job")
    }

    @Test("per-request timeouts reach the transport")
    func requestTimeouts() async throws {
        let transport = ScriptedTransport([], fallback: { _ in
            TransportResponse(status: 200, body: Array(#"{"couchdb":"Welcome","version":"3"}"#.utf8))
        })
        let client = try scriptedClient(transport)
        _ = try await client.serverInfo()
        _ = try await client.withRequestTimeout(.milliseconds(250)).serverInfo()
        _ = try await client.database("db").withRequestTimeout(.seconds(2)).getIfExists("x")
        let timeouts = await transport.requests.map(\.timeout)
        #expect(timeouts == [.seconds(5), .milliseconds(250), .seconds(2)])
    }

    @Test("a 202 answer is a non-durable result, or .accepted when durability is required")
    func acceptedWrites() async throws {
        let accepted: JSONValue = ["ok": true, "id": "lease:x", "rev": "3-abc"]
        let transport = ScriptedTransport(Array(repeating: .respond(202, accepted), count: 3))
        let db = try scriptedClient(transport).database("db")
        let result = try await db.put(["_id": "lease:x"])
        #expect(result.durable == false)
        #expect(throws: CouchError.self) { try result.requireDurable() }

        let strict = db.requiringDurableWrites()
        let error = await #expect(throws: CouchError.self) { try await strict.put(["_id": "lease:x"]) }
        #expect(error?.code == .accepted)
        let bulkError = await #expect(throws: CouchError.self) { try await strict.bulkDocs([["_id": "a"]]) }
        #expect(bulkError?.code == .accepted)
    }

    @Test("HTTP statuses map to error codes")
    func statusCodes() {
        let expected: [Int: CouchError.Code?] = [
            200: nil, 201: nil, 202: nil, 400: .badRequest, 401: .unauthorized, 403: .forbidden, 404: .notFound,
            405: .methodNotAllowed, 409: .conflict, 412: .preconditionFailed, 413: .payloadTooLarge,
            415: .unsupportedMediaType, 417: .expectationFailed, 500: .server, 503: .server, 418: .unexpectedStatus,
        ]
        for (status, code) in expected {
            #expect(CouchError.code(forStatus: status) == code, "HTTP \(status)")
        }
        let bulkConflict = BulkDocResult(id: "a", outcome: .rejected(error: "conflict", reason: "Document update conflict."))
        #expect(bulkConflict.error?.code == .conflict)
        let bulkForbidden = BulkDocResult(id: "a", outcome: .rejected(error: "forbidden", reason: "stale epoch"))
        #expect(bulkForbidden.error?.code == .forbidden)
        #expect(bulkForbidden.error?.reason == "stale epoch")
    }

    @Test("error descriptions name the request and CouchDB's words")
    func errorDescription() async throws {
        let transport = ScriptedTransport([.respond(409, ["error": "conflict", "reason": "Document update conflict."])])
        let db = try scriptedClient(transport).database("db")
        let error = await #expect(throws: CouchError.self) { try await db.put(["_id": "a"]) }
        #expect(error?.isConflict == true)
        #expect(error?.description == "CouchDB PUT /db/a failed: conflict (HTTP 409) conflict: Document update conflict.")
    }

    @Test("base64 round-trips every length")
    func base64() {
        for length in 0..<70 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            #expect(Base64.decode(Base64.encode(bytes)) == bytes)
        }
        #expect(Base64.encode(Array("admin:admin".utf8)) == "YWRtaW46YWRtaW4=")
        #expect(Base64.decode("not base64!") == nil)
    }

    @Test("a refused connection is a transport error naming the request")
    func refusedConnection() async throws {
        // Port 9 (discard) on loopback is closed on test machines.
        let client = try CouchClient(
            url: "http://127.0.0.1:9", credentials: .basic(name: "a", password: "b"),
            configuration: .init(requestTimeout: .seconds(5), retry: RetryPolicy(maxAttempts: 2, initialDelay: .milliseconds(1))))
        let error = await #expect(throws: CouchError.self) { try await client.serverInfo() }
        #expect(error?.code == .transport)
        #expect(error?.attempts == 2)
        #expect(error?.path == "/")
        let started = ContinuousClock.now
        let down = await #expect(throws: CouchError.self) { try await client.waitUntilUp(timeout: .milliseconds(300)) }
        #expect(down?.code == .transport)
        #expect(ContinuousClock.now - started >= .milliseconds(300))
        try await client.shutdown()
    }
}
