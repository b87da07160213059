import Foundation

/// The server's `uuid` (shown by `GET /`): random, kept in the data directory, unrelated to
/// the cookie secret.
enum ServerIdentity {
    static func uuid(dataDirectory: String) throws -> String {
        let path = (dataDirectory as NSString).appendingPathComponent("server_uuid")
        if let text = try? String(contentsOfFile: path, encoding: .utf8) {
            let uuid = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if uuid.count == 32 { return uuid }
        }
        let uuid = (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        guard FileManager.default.createFile(atPath: path, contents: Data(uuid.utf8)) else {
            throw EmbeddedCouchError(message: "cannot write \(path)")
        }
        return uuid
    }
}
