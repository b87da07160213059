@testable import CouchDB
import JSON
import Testing
import TestSupport

@Suite("Server and databases (live)")
struct ServerAndDatabaseTests {
    @Test("server info, _up, _uuids, _all_dbs and _session")
    func server() async throws {
        try await withDatabase { db, couch in
            let client = db.client
            let info = try await client.serverInfo()
            #expect(info.couchdb == "Welcome")
            #expect(!info.version.isEmpty)
            #expect(try await client.up())
            try await client.waitUntilUp(timeout: .seconds(5))

            let uuids = try await client.uuids(count: 3)
            #expect(uuids.count == 3)
            #expect(Set(uuids).count == 3)
            for uuid in uuids {
                #expect(uuid.count == 32 && uuid.allSatisfy { $0.isHexDigit && !$0.isUppercase })
            }

            let all = try await client.allDatabases()
            #expect(all.contains(db.name))
            #expect(all == all.sorted())

            _ = try await db.put(["_id": "_local/checkpoint", "seq": 1])
            let local = try await client.request(.GET, path: "/\(db.name)/_local_docs", idempotent: true)
            #expect(local.status == 200)
            #expect(try local.json()["rows"]?[0]?["id"] == "_local/checkpoint")

            let session = try await client.session()
            #expect(session["userCtx"]?["name"]?.stringValue == couch.adminName)
        }
    }

    @Test("create, exists, info, createIfMissing, delete; 412 and 404 are typed")
    func lifecycle() async throws {
        try await withTestCouch { couch in
            try await withClient(couch) { client in
                let db = client.database(couch.uniqueDatabaseName("gasp_client_life"))
                #expect(try await db.exists() == false)
                let missing = await #expect(throws: CouchError.self) { try await db.info() }
                #expect(missing?.code == .notFound)
                #expect(missing?.reason == "Database does not exist.")

                try await db.create(shards: 1)
                #expect(try await db.exists())
                let duplicate = await #expect(throws: CouchError.self) { try await db.create() }
                #expect(duplicate?.code == .preconditionFailed)
                #expect(duplicate?.error == "file_exists")
                #expect(try await db.createIfMissing() == false)

                _ = try await db.put(["_id": "one", "n": 1])
                let info = try await db.info()
                #expect(info.name == db.name)
                #expect(info.documentCount == 1)
                #expect(info.deletedDocumentCount == 0)
                #expect(info.updateSequence != .zero)

                try await db.delete()
                #expect(try await db.exists() == false)
                #expect(try await db.createIfMissing() == true)
                try await db.delete()
                let gone = await #expect(throws: CouchError.self) { try await db.delete() }
                #expect(gone?.code == .notFound)
            }
        }
    }

    @Test("an illegal database name is 400")
    func illegalName() async throws {
        try await withTestCouch { couch in
            try await withClient(couch) { client in
                let error = await #expect(throws: CouchError.self) { try await client.database("Bad Name").create() }
                #expect(error?.code == .badRequest)
                #expect(error?.error == "illegal_database_name")
            }
        }
    }

    @Test("_security round-trips")
    func security() async throws {
        try await withDatabase { db, _ in
            let wanted = SecurityObject(
                admins: .init(names: ["boss"], roles: ["ops"]), members: .init(names: ["alice"], roles: ["team"]))
            try await db.setSecurity(wanted)
            #expect(try await db.security() == wanted)
        }
    }

    @Test("a wrong Content-Type is 415")
    func unsupportedMediaType() async throws {
        try await withDatabase { db, _ in
            var request = CouchRequest(.POST, db.path + "/_bulk_docs")
            request.body = Array(#"{"docs":[]}"#.utf8)
            request.headers.add(name: "Content-Type", value: "text/plain")
            let error = await #expect(throws: CouchError.self) { try await db.client.send(request) }
            #expect(error?.code == .unsupportedMediaType)
            #expect(error?.error == "bad_content_type")
        }
    }

    @Test("cookie authentication against the server")
    func cookieSession() async throws {
        try await withTestCouch { couch in
            try await withClient(couch, credentials: .cookie(name: couch.adminName, password: couch.adminPassword)) { client in
                let session = try await client.session()
                #expect(session["userCtx"]?["name"]?.stringValue == couch.adminName)
                #expect(session["info"]?["authenticated"]?.stringValue == "cookie")
                let db = client.database(couch.uniqueDatabaseName("gasp_client_cookie"))
                try await db.create(shards: 1)
                _ = try await db.put(["_id": "made-with-cookie"])
                #expect(try await db.headRevision("made-with-cookie") != nil)
                try await db.delete()
            }
        }
    }

    @Test("a wrong password over a cookie login is a latched 401 (one failed login only)")
    func cookieRejection() async throws {
        try await withTestCouch { couch in
            // An unknown user, so no real account is brought nearer to lockout.
            let name = "gasp_nobody_\(UInt32.random(in: 0...UInt32.max))"
            let counting = FlakyTransport(AsyncHTTPClientTransport(), failures: 0) { _ in false }
            try await withClient(couch, credentials: .cookie(name: name, password: "wrong"), transport: counting) { client in
                for _ in 0..<3 {
                    let error = await #expect(throws: CouchError.self) { try await client.serverInfo() }
                    #expect(error?.code == .unauthorized)
                    #expect(error?.isCredentialRejection == true)
                }
                #expect(counting.requestCount == 1)
            }
        }
    }
}
