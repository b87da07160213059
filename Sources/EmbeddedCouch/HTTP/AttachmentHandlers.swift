import JSON

/// `/{db}/{docid}/{attachment}`: standalone attachment GET, HEAD, PUT and DELETE.
extension CouchService {
    func attachmentRequest(_ context: DatabaseContext, id: String, name: String) async throws -> CouchResponse {
        let request = context.request
        switch request.method {
        case "GET", "HEAD":
            try context.authorize(.read)
            let rev = request.query["rev"].flatMap(RevisionID.init)
            guard let (record, stored) = try await context.store.document(id: id, rev: rev),
                  rev != nil || !record.deleted, let revision = stored
            else { throw CouchHTTPError.notFound() }
            guard let attachment = revision.attachments.first(where: { $0.name == name }) else {
                throw CouchHTTPError.notFound("Document is missing attachment")
            }
            let data = try await context.store.attachmentData(digest: attachment.digest) ?? []
            return CouchResponse(status: 200, headers: [("ETag", "\"\(attachment.digest)\"")], body: .bytes(data, contentType: attachment.contentType))
        case "PUT", "DELETE":
            if name.hasPrefix("_") { throw CouchHTTPError.badRequest("Attachment name '\(name)' starts with prohibited character '_'") }
            try DocumentID.validate(id)
            try context.authorize(id.hasPrefix("_design/") ? .designWrite : .write)
            let rev = try request.query["rev"].map { text throws(CouchHTTPError) in
                guard let r = RevisionID(text) else { throw .badRequest("Invalid rev format") }
                return r
            } ?? Self.ifMatchRevision(request)
            var edit = DocumentEdit(id: id, rev: rev, revisions: nil, deleted: false, body: Array("{}".utf8), attachments: [])
            let current = try await context.store.document(id: id, rev: rev)
            if let (record, stored) = current {
                if let rev {
                    guard let stored, record.tree.isLeaf(rev) else {
                        throw CouchHTTPError(status: 409, error: "not_found", reason: "missing_rev")
                    }
                    edit.body = stored.body
                    edit.attachments = stored.attachments.filter { $0.name != name }.map { ($0.name, IncomingAttachment.stub) }
                    if request.method == "DELETE" && !stored.attachments.contains(where: { $0.name == name }) {
                        throw CouchHTTPError.notFound("Document is missing attachment")
                    }
                } else if !record.deleted {
                    throw CouchHTTPError.conflict()
                }
            } else if request.method == "DELETE" {
                throw CouchHTTPError.notFound()
            }
            if request.method == "PUT" {
                let type = request.header("content-type") ?? "application/octet-stream"
                edit.attachments?.insert((name, .data(contentType: type, bytes: request.body)), at: 0)
            }
            try await applyUsersRules(context, to: &edit)
            let newRev = try await writeOne(context, edit, newEdits: true)
            var headers: [(String, String)] = [("ETag", "\"\(newRev)\"")]
            if request.method == "PUT" {
                headers.append(("Location", documentLocation(context, id: id) + "/" + name.split(separator: "/", omittingEmptySubsequences: false).map { PercentEncoding.encodeSegment(String($0)) }.joined(separator: "%2F")))
            }
            return Self.json(request.method == "PUT" ? 201 : 200, ["ok": true, "id": .string(id), "rev": .string(newRev.description)], headers: headers)
        default:
            throw methodNotAllowed("DELETE,GET,HEAD,PUT")
        }
    }

    /// A document with its attachments as `multipart/related` (`?attachments=true` without
    /// `Accept: application/json`): the JSON part with `follows` stubs, then each attachment.
    func multipartDocument(
        _ context: DatabaseContext, id: String, revision: StoredRevision, extras: [(String, JSONValue)], data: [String: [UInt8]], etag: String
    ) async throws -> CouchResponse {
        let boundary = Self.newUUID()
        var json = JSONBytes()
        var stripped = revision
        stripped.attachments = []
        DocumentJSON.write(id: id, revision: stripped, extras: extras, into: &json)
        var object = JSONObject()
        for att in revision.attachments {
            object[att.name] = ["content_type": .string(att.contentType), "revpos": .int(att.revpos), "digest": .string(att.digest),
                                "length": .int(att.length), "follows": true]
        }
        _ = json.bytes.popLast()
        json.key("_attachments")
        json.value(.object(object))
        json.raw("}")
        var out: [UInt8] = []
        out += Array("--\(boundary)\r\nContent-Type: application/json\r\n\r\n".utf8)
        out += json.bytes
        for att in revision.attachments {
            out += Array("\r\n--\(boundary)\r\nContent-Disposition: attachment; filename=\"\(att.name)\"\r\nContent-Type: \(att.contentType)\r\nContent-Length: \(att.length)\r\n\r\n".utf8)
            out += data[att.digest] ?? []
        }
        out += Array("\r\n--\(boundary)--".utf8)
        return CouchResponse(status: 200, headers: [("ETag", etag)], body: .bytes(out, contentType: "multipart/related; boundary=\"\(boundary)\""))
    }
}
