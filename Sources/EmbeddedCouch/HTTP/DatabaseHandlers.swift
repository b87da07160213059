import JSON

/// `/{db}`: create, info, delete, POST a document; and routing of everything below it.
extension CouchService {
    func databaseRequest(_ request: CouchRequest, name: String) async throws -> CouchResponse {
        let segments = request.path.segments
        if segments.count == 1 { return try await databaseLevel(request, name: name) }
        let second = segments[1]
        // Endpoints whose method is checked before the database is looked up.
        switch second {
        case "_all_docs", "_design_docs", "_local_docs":
            guard ["GET", "HEAD", "POST"].contains(request.method) else { throw methodNotAllowed("GET,HEAD,POST") }
        case "_bulk_docs", "_purge", "_ensure_full_commit", "_compact", "_view_cleanup":
            guard request.method == "POST" else { throw methodNotAllowed("POST") }
        case "_changes":
            guard ["GET", "HEAD", "POST"].contains(request.method) else { throw methodNotAllowed("GET,POST,HEAD") }
        case "_security":
            guard ["GET", "HEAD", "PUT"].contains(request.method) else { throw methodNotAllowed("PUT,GET") }
        default:
            break
        }
        guard let store = try await registry.database(name) else { throw CouchHTTPError.databaseMissing }
        let security = store.security()
        let context = DatabaseContext(store: store, security: security, request: request)
        switch second {
        case "_all_docs": return try await allDocs(context, prefix: nil)
        case "_design_docs": return try await allDocs(context, prefix: "_design/")
        case "_local_docs": return try await localDocs(context)
        case "_bulk_docs": return try await bulkDocs(context)
        case "_changes": return try await changes(context)
        case "_security": return try await securityObject(context)
        case "_purge": return try await purge(context)
        case "_compact":
            try context.authorize(.admin)
            try request.requireJSONContentType()
            try await store.compact()
            return Self.json(202, ["ok": true])
        case "_view_cleanup":
            try context.authorize(.admin)
            try await dropStaleViewIndexes(store)
            return Self.json(202, ["ok": true])
        case "_ensure_full_commit":
            try context.authorize(.admin)
            return Self.json(201, ["ok": true])
        case "_revs_limit":
            try context.authorize(request.method == "PUT" ? .admin : .read)
            return request.method == "PUT" ? Self.json(200, ["ok": true]) : Self.json(200, 1000)
        default:
            return try await documentRequest(context)
        }
    }

    private func databaseLevel(_ request: CouchRequest, name: String) async throws -> CouchResponse {
        switch request.method {
        case "PUT":
            try requireServerAdmin(request.user)
            guard DatabaseRegistry.isValidName(name) else {
                throw CouchHTTPError(
                    status: 400, error: "illegal_database_name",
                    reason: "Name: '\(name)'. Only lowercase characters (a-z), digits (0-9), and any of the characters _, $, (, ), +, -, and / are allowed. Must begin with a letter.")
            }
            guard try await registry.create(name) != nil else {
                throw CouchHTTPError(status: 412, error: "file_exists", reason: "The database could not be created, the file already exists.")
            }
            return Self.json(201, ["ok": true], headers: [("Location", request.origin + "/" + PercentEncoding.encodeSegment(name))])
        case "DELETE":
            try requireServerAdmin(request.user)
            if request.query["rev"] != nil {
                throw CouchHTTPError.badRequest("You tried to DELETE a database with a ?=rev parameter. Did you mean to DELETE a document instead?")
            }
            guard try await registry.delete(name) else { throw CouchHTTPError.databaseMissing }
            return Self.json(200, ["ok": true])
        case "GET", "HEAD":
            guard let store = try await registry.database(name) else { throw CouchHTTPError.databaseMissing }
            let context = DatabaseContext(store: store, security: store.security(), request: request)
            try context.authorize(.read)
            let info = try await store.info()
            return Self.json(200, [
                "instance_start_time": .string(store.instanceStartTime),
                "db_name": .string(name),
                "purge_seq": .string(store.sequence.string(0)),
                "update_seq": .string(store.sequence.string(info.updateSeq)),
                "sizes": ["file": 0, "external": 0, "active": 0],
                "props": [:],
                "doc_del_count": .int(info.deletedCount),
                "doc_count": .int(info.docCount),
                "disk_format_version": 8,
                "compact_running": false,
                "cluster": ["q": 1, "n": 1, "w": 1, "r": 1],
            ])
        case "POST":
            guard let store = try await registry.database(name) else { throw CouchHTTPError.databaseMissing }
            let context = DatabaseContext(store: store, security: store.security(), request: request)
            return try await postDocument(context)
        default:
            throw methodNotAllowed("DELETE,GET,HEAD,POST")
        }
    }

    private func securityObject(_ context: DatabaseContext) async throws -> CouchResponse {
        if context.request.method == "PUT" {
            try context.authorize(.admin)
            let value = try context.request.jsonBody()
            if let error = SecurityPolicy.validateSecurityObject(value) { throw error }
            try await context.store.setSecurity(value)
            return Self.json(200, ["ok": true])
        }
        try context.authorize(.read)
        return Self.json(200, context.security)
    }

    private func purge(_ context: DatabaseContext) async throws -> CouchResponse {
        try context.authorize(.admin)
        try context.request.requireJSONContentType()
        guard case .object(let members) = try context.request.jsonBody() else { throw CouchHTTPError.badRequest("Request body must be a JSON object") }
        var request: [String: [RevisionID]] = [:]
        for (id, revs) in members {
            guard let list = revs.arrayValue else { throw CouchHTTPError.badRequest("Revisions must be a list") }
            request[id] = list.compactMap { $0.stringValue.flatMap(RevisionID.init) }
        }
        let purged = try await context.store.purge(request)
        var out = JSONObject()
        for id in members.keys { out[id] = .array((purged[id] ?? []).map { .string($0.description) }) }
        return Self.json(201, ["purge_seq": .null, "purged": .object(out)])
    }
}

/// One request's view of its database.
struct DatabaseContext: Sendable {
    let store: DatabaseStore
    let security: JSONValue
    let request: CouchRequest

    /// CouchDB's 401/403 unless the user may do `access` here.
    func authorize(_ access: DatabaseAccess) throws(CouchHTTPError) {
        if let error = SecurityPolicy.authorize(request.user, access, security: security, database: store.name) { throw error }
    }

    /// The context document writes are validated in.
    var validation: DocumentValidation.Context {
        DocumentValidation.Context(user: request.user, security: security, database: store.name)
    }
}
