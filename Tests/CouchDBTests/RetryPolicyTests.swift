import AsyncHTTPClient
@testable import CouchDB
import JSON
import NIOCore
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite("Retry policy")
struct RetryPolicyTests {
    @Test("a read that fails twice at the transport then succeeds is retried and succeeds")
    func transportFailuresAreRetried() async throws {
        let transport = ScriptedTransport([
            .fail(.failed), .fail(.timeout),
            .respond(200, ["couchdb": "Welcome", "version": "3.4.3", "uuid": "0123456789abcdef0123456789abcdef"]),
        ])
        let client = try scriptedClient(transport)
        let info = try await client.serverInfo()
        #expect(info.version == "3.4.3")
        #expect(await transport.count == 3)
    }

    @Test("a 4xx is returned at once, never retried")
    func clientErrorsAreNotRetried() async throws {
        for status in [400, 404, 409, 412, 413, 415] {
            let transport = ScriptedTransport(
                [.respond(status, ["error": "some_error", "reason": "Because."])],
                fallback: { _ in TransportResponse(status: 200, body: Array("{}".utf8)) })
            let client = try scriptedClient(transport)
            let error = await #expect(throws: CouchError.self) { try await client.database("db").get("doc") }
            #expect(error?.status == status)
            #expect(error?.attempts == 1)
            #expect(error?.error == "some_error")
            #expect(await transport.count == 1)
        }
    }

    @Test("a 5xx on a read is retried until the attempts run out")
    func serverErrorsAreRetried() async throws {
        let transport = ScriptedTransport(Array(repeating: .respond(503, ["error": "unavailable", "reason": "busy"]), count: 10))
        let client = try scriptedClient(transport, maxAttempts: 3)
        let error = await #expect(throws: CouchError.self) { try await client.uuids(count: 2) }
        #expect(error?.code == .server)
        #expect(error?.status == 503)
        #expect(error?.attempts == 3)
        #expect(await transport.count == 3)
    }

    @Test("a connection reset is not mistaken for a connection that was never made")
    func transportClassification() {
        let refused = IOError(errnoCode: ECONNREFUSED, reason: "connect")
        #expect(AsyncHTTPClientTransport.classify(refused).kind == .notConnected)
        let reset = IOError(errnoCode: ECONNRESET, reason: "read")
        #expect(AsyncHTTPClientTransport.classify(reset).kind == .failed)
        #expect(AsyncHTTPClientTransport.classify(HTTPClientError.remoteConnectionClosed).kind == .failed)
        #expect(AsyncHTTPClientTransport.classify(HTTPClientError.deadlineExceeded).kind == .timeout)
        #expect(AsyncHTTPClientTransport.classify(HTTPClientError.connectTimeout).kind == .notConnected)
    }

    @Test("a POST that creates with a server id is not resent after the request may have arrived")
    func nonIdempotentPostIsNotRetriedBlindly() async throws {
        let transport = ScriptedTransport([.fail(.failed), .respond(201, ["ok": true, "id": "x", "rev": "1-a"])])
        let client = try scriptedClient(transport)
        let error = await #expect(throws: CouchError.self) { try await client.database("db").post(["n": 1]) }
        #expect(error?.code == .transport)
        #expect(await transport.count == 1)

        let serverError = ScriptedTransport([.respond(500, ["error": "unknown_error", "reason": "x"])])
        let client2 = try scriptedClient(serverError)
        let error2 = await #expect(throws: CouchError.self) { try await client2.database("db").post(["n": 1]) }
        #expect(error2?.code == .server)
        #expect(await serverError.count == 1)
    }

    @Test("a POST that never connected is resent")
    func unconnectedPostIsRetried() async throws {
        let transport = ScriptedTransport([.fail(.notConnected), .respond(201, ["ok": true, "id": "abc", "rev": "1-a"])])
        let client = try scriptedClient(transport)
        let result = try await client.database("db").post(["n": 1])
        #expect(result.id == "abc")
        #expect(await transport.count == 2)
    }

    @Test("_bulk_docs is retried only when every document has an id")
    func bulkDocsRetryDependsOnIDs() async throws {
        let ok: JSONValue = [["ok": true, "id": "a", "rev": "1-a"]]
        let withIDs = ScriptedTransport([.fail(.failed), .respond(201, ok)])
        let results = try await scriptedClient(withIDs).database("db").bulkDocs([["_id": "a"]])
        #expect(results.first?.rev == "1-a")
        #expect(await withIDs.count == 2)

        let withoutIDs = ScriptedTransport([.fail(.failed), .respond(201, ok)])
        await #expect(throws: CouchError.self) { try await scriptedClient(withoutIDs).database("db").bulkDocs([["n": 1]]) }
        #expect(await withoutIDs.count == 1)
    }

    @Test("a timeout is reported as .timeout with the method and path")
    func timeoutsAreTyped() async throws {
        let transport = ScriptedTransport(Array(repeating: .fail(.timeout), count: 3))
        let client = try scriptedClient(transport, maxAttempts: 2)
        let error = await #expect(throws: CouchError.self) { try await client.database("db").get("a/b") }
        #expect(error?.code == .timeout)
        #expect(error?.method == "GET")
        #expect(error?.path == "/db/a%2Fb")
        #expect(error?.attempts == 2)
    }

    @Test("backoff grows exponentially, is capped, and jitter only shortens it")
    func backoffShape() {
        let policy = RetryPolicy(maxAttempts: 10, initialDelay: .milliseconds(100), maxDelay: .seconds(1), multiplier: 2, jitter: 0)
        #expect(policy.delay(afterAttempt: 1) == .milliseconds(100))
        #expect(policy.delay(afterAttempt: 2) == .milliseconds(200))
        #expect(policy.delay(afterAttempt: 3) == .milliseconds(400))
        #expect(policy.delay(afterAttempt: 6) == .seconds(1))

        let jittered = RetryPolicy(initialDelay: .milliseconds(100), maxDelay: .seconds(5), jitter: 0.5)
        var seen = Set<Duration>()
        for _ in 0..<50 {
            let delay = jittered.delay(afterAttempt: 3)
            #expect(delay <= .milliseconds(400))
            #expect(delay >= .milliseconds(200))
            seen.insert(delay)
        }
        #expect(seen.count > 1, "jitter should spread the delays")
    }
}
