import Crypto

/// Computes revision hashes: MD5 over the parent revision, the deleted flag, the canonical
/// body and the attachment digests, so identical content on the same parent gives the same
/// revision (in any document, as in CouchDB).
enum RevisionHasher {
    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    static func hash(parent: RevisionID?, deleted: Bool, body: [UInt8], attachments: [AttachmentInfo]) -> String {
        var md5 = Insecure.MD5()
        if let parent { md5.update(data: Array(parent.description.utf8)) }
        md5.update(data: [0, deleted ? 1 : 0, 0])
        md5.update(data: body)
        for attachment in attachments.sorted(by: { $0.name < $1.name }) {
            md5.update(data: Array(attachment.name.utf8))
            md5.update(data: [0])
            md5.update(data: Array(attachment.digest.utf8))
            md5.update(data: [0])
        }
        var out = [UInt8]()
        out.reserveCapacity(32)
        for byte in md5.finalize() {
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
