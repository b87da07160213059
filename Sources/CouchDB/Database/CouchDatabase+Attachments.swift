import JSON
import NIOHTTP1

/// An attachment's bytes as the server returned them.
public struct Attachment: Sendable, Hashable {
    /// The content.
    public var data: [UInt8]
    /// The `Content-Type` it was stored with.
    public var contentType: String?
    /// CouchDB's digest (`md5-…`), from the `ETag`.
    public var digest: String?
}

/// Helpers for attachments written inline in a document's `_attachments`.
public enum InlineAttachment {
    /// The `_attachments` member for `data`: `{"content_type": …, "data": "<base64>"}`.
    public static func make(data: some Collection<UInt8>, contentType: String) -> JSONValue {
        ["content_type": .string(contentType), "data": .string(Base64.encode(data))]
    }

    /// Sets attachment `name` of `document` to `data`.
    public static func attach(_ data: some Collection<UInt8>, named name: String, contentType: String, to document: inout JSONValue) {
        var attachments = document["_attachments"]?.objectValue ?? JSONObject()
        attachments[name] = make(data: data, contentType: contentType)
        document["_attachments"] = .object(attachments)
    }

    /// The decoded bytes of attachment `name` of a document read with `attachments=true`, or
    /// nil when it is missing or only a stub.
    public static func data(named name: String, in document: JSONValue) -> [UInt8]? {
        guard let encoded = document["_attachments"]?[name]?["data"]?.stringValue else { return nil }
        return Base64.decode(encoded)
    }
}

extension CouchDatabase {
    /// `/db/docid/name`, each part encoded.
    func attachmentPath(_ documentID: String, _ name: String) -> String {
        documentPath(documentID) + "/" + PathEncoding.segment(name)
    }

    /// `PUT /db/docid/name?rev=…`: stores `data` as attachment `name`, creating the document
    /// when `rev` is nil and it does not exist. A wrong rev is 409.
    public func putAttachment(
        _ documentID: String, name: String, rev: String?, data: [UInt8], contentType: String
    ) async throws(CouchError) -> WriteResult {
        var request = CouchRequest(.PUT, attachmentPath(documentID, name), query: rev.map { [("rev", $0)] } ?? [])
        request.body = data
        request.headers.add(name: "Content-Type", value: contentType)
        return try checked(WriteResult.from(try await client.send(request), id: documentID))
    }

    /// `GET /db/docid/name`: the attachment's bytes; 404 when the document or attachment is missing.
    public func attachment(_ documentID: String, name: String, rev: String? = nil) async throws(CouchError) -> Attachment {
        let request = CouchRequest(.GET, attachmentPath(documentID, name), query: rev.map { [("rev", $0)] } ?? [])
        let response = try await client.send(request)
        return Attachment(
            data: response.body, contentType: response.headers.first(name: "Content-Type"),
            digest: response.headers.first(name: "ETag").map { String(Substring($0).trimmingQuotes()) })
    }

    /// `DELETE /db/docid/name?rev=…`: removes the attachment, making a new revision.
    public func deleteAttachment(_ documentID: String, name: String, rev: String) async throws(CouchError) -> WriteResult {
        let request = CouchRequest(.DELETE, attachmentPath(documentID, name), query: [("rev", rev)])
        return try checked(WriteResult.from(try await client.send(request), id: documentID))
    }
}
