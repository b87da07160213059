import Foundation
import JSON

/// One document write as the store applies it: the special members taken apart, the body
/// canonical (numbers as CouchDB writes them back) and serialised once.
struct DocumentEdit: Sendable {
    var id: String
    /// `_rev`: the revision edited (normal writes) or the revision itself (`new_edits=false`).
    var rev: RevisionID?
    /// `_revisions` (newest first), for `new_edits=false`.
    var revisions: [RevisionID]?
    var deleted: Bool
    /// The members that are not special, as a compact JSON object.
    var body: [UInt8]
    /// `_attachments`; nil when the write has none.
    var attachments: [(name: String, attachment: IncomingAttachment)]?

    /// Special members CouchDB accepts and ignores on input.
    private static let ignoredSpecials: Set<String> = ["_conflicts", "_deleted_conflicts", "_local_seq", "_revs_info"]

    /// Takes a parsed request body apart. `id` is the id from the URL when there is one (it
    /// wins over `_id`); otherwise `_id`, or nil when the body has none.
    static func parse(_ value: JSONValue, id urlID: String?) throws(CouchHTTPError) -> DocumentEdit {
        guard case .object(let members) = value else { throw .badRequest("Document must be a JSON object") }
        var id = urlID
        var rev: RevisionID?
        var revisions: [RevisionID]?
        var deleted = false
        var attachments: [(String, IncomingAttachment)]?
        // The body is written straight from the members, skipping the special ones, so no
        // second dictionary is built; numbers are rewritten only where CouchDB would.
        var body: [UInt8] = []
        body.reserveCapacity(64 + members.count * 24)
        body.append(UInt8(ascii: "{"))
        for (key, member) in members {
            guard key.utf8.first == UInt8(ascii: "_") else {
                if body.count > 1 { body.append(UInt8(ascii: ",")) }
                JSONWriter.writeString(key, into: &body)
                body.append(UInt8(ascii: ":"))
                JSONWriter.write(try canonical(member) ?? member, into: &body)
                continue
            }
            switch key {
            case "_id":
                if urlID == nil {
                    guard let s = member.stringValue else { throw CouchHTTPError(status: 400, error: "illegal_docid", reason: "Document id must be a string") }
                    id = s
                }
            case "_rev":
                guard let s = member.stringValue, let r = RevisionID(s) else { throw .badRequest("Invalid rev format") }
                rev = r
            case "_deleted":
                deleted = member.boolValue ?? false
            case "_revisions":
                revisions = try parseRevisions(member)
            case "_attachments":
                attachments = try parseAttachments(member)
            default:
                if ignoredSpecials.contains(key) { continue }
                throw CouchHTTPError(status: 400, error: "doc_validation", reason: "Bad special document member: \(key)")
            }
        }
        body.append(UInt8(ascii: "}"))
        return DocumentEdit(id: id ?? "", rev: rev, revisions: revisions, deleted: deleted, body: body, attachments: attachments)
    }

    /// Applies CouchDB's number re-encoding to every number: nil when nothing changes (the
    /// common case, which then costs no copy); out-of-range numbers are the 400 CouchDB answers.
    static func canonical(_ value: JSONValue) throws(CouchHTTPError) -> JSONValue? {
        switch value {
        case .number(let n):
            guard let c = CouchNumberFormat.canonical(n) else { throw .badRequest("invalid UTF-8 JSON") }
            return c.text == n.text ? nil : .number(c)
        case .array(let elements):
            var out: [JSONValue]?
            for i in elements.indices {
                if let changed = try canonical(elements[i]) {
                    if out == nil { out = elements }
                    out![i] = changed
                }
            }
            return out.map(JSONValue.array)
        case .object(let members):
            var out: JSONObject?
            for i in members.values.indices {
                if let changed = try canonical(members.values[i]) {
                    if out == nil { out = members }
                    out!.values[i] = changed
                }
            }
            return out.map(JSONValue.object)
        default:
            return nil
        }
    }

    private static func parseRevisions(_ value: JSONValue) throws(CouchHTTPError) -> [RevisionID] {
        guard let start = value["start"]?.intValue, let ids = value["ids"]?.arrayValue else {
            throw CouchHTTPError(status: 400, error: "doc_validation", reason: "_revisions member must be an object with start and ids")
        }
        var out: [RevisionID] = []
        for (offset, id) in ids.enumerated() {
            guard let hash = id.stringValue, start - offset >= 1 else { throw .badRequest("Invalid rev format") }
            out.append(RevisionID(generation: start - offset, hash: hash))
        }
        return out
    }

    private static func parseAttachments(_ value: JSONValue) throws(CouchHTTPError) -> [(String, IncomingAttachment)] {
        guard case .object(let members) = value else {
            throw CouchHTTPError(status: 400, error: "doc_validation", reason: "_attachments member must be an object")
        }
        var out: [(String, IncomingAttachment)] = []
        for (name, att) in members {
            if name.hasPrefix("_") {
                throw .badRequest("Attachment name '\(name)' starts with prohibited character '_'")
            }
            if att["stub"]?.boolValue == true {
                out.append((name, .stub))
                continue
            }
            guard let text = att["data"]?.stringValue, let data = Data(base64Encoded: text) else {
                throw .badRequest("Invalid attachment data for \(name)")
            }
            let type = att["content_type"]?.stringValue ?? "application/octet-stream"
            out.append((name, .data(contentType: type, bytes: [UInt8](data))))
        }
        return out
    }
}

/// Document id rules.
enum DocumentID {
    /// Checks an id for a normal (replicated) document: not empty, and `_` only for `_design/`.
    static func validate(_ id: String) throws(CouchHTTPError) {
        if id.isEmpty { throw CouchHTTPError(status: 400, error: "illegal_docid", reason: "Document id must not be empty") }
        if id.hasPrefix("_") {
            if id.hasPrefix("_design/") && id.count > "_design/".count { return }
            throw CouchHTTPError(status: 400, error: "illegal_docid", reason: "Only reserved document ids may start with underscore.")
        }
    }
}

extension DocumentEdit {
    /// Whether any attachment is a stub (which needs the parent revision's attachments).
    var hasStubs: Bool { attachments?.contains { $0.attachment == .stub } ?? false }
}
