import Crypto
import Foundation
import JSON

/// An attachment of one revision, as the revision's metadata holds it (the bytes are stored
/// once per digest, see ``DatabaseStore``).
struct AttachmentInfo: Sendable, Equatable {
    var name: String
    var contentType: String
    /// `md5-` + base64 of the MD5 of the bytes.
    var digest: String
    var length: Int
    /// The generation of the revision that last changed this attachment.
    var revpos: Int

    /// The digest CouchDB-style for `bytes`.
    static func digest(of bytes: [UInt8]) -> String {
        "md5-" + Data(Insecure.MD5.hash(data: bytes)).base64EncodedString()
    }

    /// Whether CouchDB would store this content type compressed (its `compressible_types`).
    var isCompressible: Bool {
        let type = contentType.lowercased()
        return type.hasPrefix("text/") || type.hasPrefix("application/json")
            || type.hasPrefix("application/javascript") || type.hasPrefix("application/xml")
    }

    /// The length of the gzip encoding reported by `att_encoding_info`. This store keeps the
    /// bytes as they are, so the figure is that of a gzip stream of stored (uncompressed)
    /// deflate blocks: 18 bytes of gzip framing plus 5 per block of up to 65535 bytes.
    var encodedLength: Int { length + 18 + 5 * max(1, (length + 65534) / 65535) }

    /// The stub CouchDB shows in a document (`stub: true`), or the inline form with `data`.
    func json(data: [UInt8]?, encodingInfo: Bool) -> JSONValue {
        var object: JSONObject = [
            "content_type": .string(contentType),
            "revpos": .int(revpos),
            "digest": .string(digest),
        ]
        if let data {
            object["data"] = .string(Data(data).base64EncodedString())
        } else {
            object["length"] = .int(length)
            object["stub"] = true
        }
        if encodingInfo && isCompressible {
            object["encoding"] = "gzip"
            object["encoded_length"] = .int(encodedLength)
        }
        return .object(object)
    }

    // MARK: Storage form: a JSON array of objects.

    static func encode(_ attachments: [AttachmentInfo]) -> [UInt8] {
        JSONValue.array(attachments.map {
            ["name": .string($0.name), "content_type": .string($0.contentType), "digest": .string($0.digest),
             "length": .int($0.length), "revpos": .int($0.revpos)]
        }).serializedBytes()
    }

    static func decode(_ bytes: [UInt8]) -> [AttachmentInfo] {
        guard let array = (try? JSONParser.parse(bytes))?.arrayValue else { return [] }
        return array.compactMap { v in
            guard let name = v["name"]?.stringValue, let digest = v["digest"]?.stringValue else { return nil }
            return AttachmentInfo(
                name: name, contentType: v["content_type"]?.stringValue ?? "application/octet-stream",
                digest: digest, length: v["length"]?.intValue ?? 0, revpos: v["revpos"]?.intValue ?? 1)
        }
    }
}

/// An attachment as a write names it.
enum IncomingAttachment: Sendable, Equatable {
    /// New bytes (inline base64 or a standalone upload).
    case data(contentType: String, bytes: [UInt8])
    /// `stub: true`: keep what the parent revision has under this name.
    case stub
    /// An attachment already stored (under its digest), e.g. taken over by `COPY`.
    case stored(AttachmentInfo)
}
