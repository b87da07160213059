import Foundation

/// The secret that signs session cookies: random, kept in the data directory so sessions
/// survive a restart.
enum CookieSecret {
    static func load(dataDirectory: String) throws -> [UInt8] {
        let path = (dataDirectory as NSString).appendingPathComponent("cookie_secret")
        if let text = try? String(contentsOfFile: path, encoding: .utf8),
           let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), data.count >= 16 {
            return [UInt8](data)
        }
        let secret = (0..<32).map { _ in UInt8.random(in: 0...255) }
        let created = FileManager.default.createFile(
            atPath: path, contents: Data(Data(secret).base64EncodedString().utf8), attributes: [.posixPermissions: 0o600])
        guard created else { throw CookieSecretError(message: "cannot write \(path)") }
        return secret
    }
}

/// The cookie secret could not be stored.
struct CookieSecretError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
