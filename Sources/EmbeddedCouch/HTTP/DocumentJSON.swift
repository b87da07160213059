import JSON

/// Writes documents as CouchDB returns them: `_id`, `_rev`, the stored members, then
/// `_attachments`, `_deleted` and whatever the query asked for.
enum DocumentJSON {
    /// How to show attachments.
    struct AttachmentOptions {
        /// Inline data by digest (`?attachments=true`); nil for stubs.
        var data: [String: [UInt8]]?
        var encodingInfo = false
    }

    static func write(
        id: String, revision: StoredRevision, attachments: AttachmentOptions = .init(),
        extras: [(String, JSONValue)] = [], into out: inout JSONBytes
    ) {
        out.raw("{\"_id\":")
        out.string(id)
        out.raw(",\"_rev\":")
        out.string(revision.rev.description)
        let body = revision.body
        if body.count > 2 {
            out.raw(",")
            out.bytes.append(contentsOf: body[1..<(body.count - 1)])
        }
        if !revision.attachments.isEmpty {
            var object = JSONObject()
            for att in revision.attachments {
                object[att.name] = att.json(data: attachments.data.map { $0[att.digest] ?? [] }, encodingInfo: attachments.encodingInfo)
            }
            out.key("_attachments")
            out.value(.object(object))
        }
        if revision.deleted { out.raw(",\"_deleted\":true") }
        for (key, value) in extras {
            out.key(key)
            out.value(value)
        }
        out.raw("}")
    }

    static func bytes(id: String, revision: StoredRevision, attachments: AttachmentOptions = .init(), extras: [(String, JSONValue)] = []) -> [UInt8] {
        var out = JSONBytes(capacity: revision.body.count + 96)
        write(id: id, revision: revision, attachments: attachments, extras: extras, into: &out)
        return out.bytes
    }

    /// The document as a value (for code that inspects it, e.g. user documents).
    static func value(id: String, revision: StoredRevision) throws -> JSONValue {
        try JSONParser.parse(bytes(id: id, revision: revision))
    }
}
