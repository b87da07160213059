import Crypto

/// CouchDB's stateless `AuthSession` cookie: base64url of `name:HEXTIME:` followed by an HMAC
/// of `name:HEXTIME` keyed with the server secret and the user's password salt. It stays valid
/// until it expires (logging out only clears it on the client), and a new password (new salt)
/// invalidates it.
enum SessionCookie {
    /// The cookie's name.
    static let name = "AuthSession"

    /// A decoded cookie value.
    struct Contents: Sendable, Equatable {
        /// The user name it was issued to.
        var user: String
        /// The issue time as written in the cookie (uppercase hex seconds).
        var timeText: String
        /// The HMAC bytes.
        var mac: [UInt8]
    }

    /// The HMAC key for a user: the server secret followed by the user's salt.
    static func key(secret: [UInt8], salt: String) -> [UInt8] {
        secret + Array(salt.utf8)
    }

    /// A new cookie value for `user` issued at `time` (HMAC-SHA256, as CouchDB 3.4 issues them).
    static func make(user: String, time: Int64, key: [UInt8]) -> String {
        let data = Array("\(user):\(String(time, radix: 16, uppercase: true))".utf8)
        let mac = HMAC<SHA256>.authenticationCode(for: data, using: SymmetricKey(data: key))
        return Base64.encodeURL(data + [UInt8(ascii: ":")] + Array(mac))
    }

    /// Decodes a cookie value; `nil` when it is malformed (not base64url or fewer than three
    /// colon-separated parts), which CouchDB answers with 400.
    static func decode(_ value: String) -> Contents? {
        guard let bytes = Base64.decodeURL(value),
              let first = bytes.firstIndex(of: UInt8(ascii: ":")),
              let second = bytes[(first + 1)...].firstIndex(of: UInt8(ascii: ":"))
        else { return nil }
        return Contents(
            user: String(decoding: bytes[..<first], as: UTF8.self),
            timeText: String(decoding: bytes[(first + 1)..<second], as: UTF8.self),
            mac: Array(bytes[(second + 1)...]))
    }

    /// The seconds left before `contents` expires, or `nil` when it has expired, its time is
    /// not hex, or its HMAC (SHA-256 or, for older cookies, SHA-1) does not match `key`.
    static func verify(_ contents: Contents, key: [UInt8], now: Int64, lifetime: Int64) -> Int64? {
        guard let issued = Int64(contents.timeText, radix: 16), now < issued + lifetime else { return nil }
        let data = Array("\(contents.user):\(contents.timeText)".utf8)
        let symmetricKey = SymmetricKey(data: key)
        // The MAC's length says which hash made it (32 bytes SHA-256, 20 bytes SHA-1).
        let expected: [UInt8]
        switch contents.mac.count {
        case SHA256.byteCount: expected = Array(HMAC<SHA256>.authenticationCode(for: data, using: symmetricKey))
        case Insecure.SHA1.byteCount: expected = Array(HMAC<Insecure.SHA1>.authenticationCode(for: data, using: symmetricKey))
        default: return nil
        }
        return PasswordHash.constantTimeEquals(expected, contents.mac) ? issued + lifetime - now : nil
    }

    /// The `Set-Cookie` header value for `value` (empty to clear the cookie), with the
    /// attributes CouchDB 3.4 sends: `Version=1; Expires=…; Max-Age=…; Path=/; HttpOnly`.
    static func setCookieHeader(value: String, now: Int64, maxAge: Int64) -> String {
        "\(name)=\(value); Version=1; Expires=\(cookieDate(now + maxAge)); Max-Age=\(maxAge); Path=/; HttpOnly"
    }

    /// The `AuthSession` value in a `Cookie` request header (first occurrence), `nil` when
    /// absent or empty.
    static func value(inCookieHeader header: String?) -> String? {
        guard let header else { return nil }
        for part in header.split(whereSeparator: { $0 == ";" || $0 == "," }) {
            let pair = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair[0].trimmingSpaces == name else { continue }
            var value = pair.count > 1 ? pair[1].trimmingSpaces : ""
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
                value = String(value.dropFirst().dropLast())
            }
            return value.isEmpty ? nil : value
        }
        return nil
    }

    /// `Sun, 22-Nov-2026 02:33:57 GMT`, the cookie date format mochiweb writes.
    static func cookieDate(_ unixSeconds: Int64) -> String {
        let days = unixSeconds >= 0 ? unixSeconds / 86_400 : (unixSeconds - 86_399) / 86_400
        let secondsOfDay = unixSeconds - days * 86_400
        // Civil date from days since the epoch (Howard Hinnant's algorithm).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let weekday = weekdays[Int(((days % 7) + 7) % 7)]
        func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(weekday), \(two(day))-\(months[Int(month - 1)])-\(year) "
            + "\(two(secondsOfDay / 3600)):\(two(secondsOfDay / 60 % 60)):\(two(secondsOfDay % 60)) GMT"
    }
}

extension Substring {
    fileprivate var trimmingSpaces: String {
        String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}
