/// The `Authorization: Basic …` header, read the way CouchDB 3.4 reads it.
enum BasicAuthorization: Equatable {
    /// No usable basic credentials: no header, another scheme (`Bearer` is ignored), a value
    /// without a colon, or the special logout pair `_:_`. The request continues anonymously.
    case none
    /// A name and password to check.
    case credentials(name: String, password: String)
    /// The value is not base64: CouchDB answers `500 unknown_error badarg`.
    case malformed

    /// Parses an `Authorization` header value.
    init(header: String?) {
        guard let header, header.hasPrefix("Basic ") else {
            self = .none
            return
        }
        guard let decoded = Base64.decode(header.utf8.dropFirst(6)) else {
            self = .malformed
            return
        }
        guard let colon = decoded.firstIndex(of: UInt8(ascii: ":")) else {
            self = .none
            return
        }
        let name = String(decoding: decoded[..<colon], as: UTF8.self)
        let password = String(decoding: decoded[(colon + 1)...], as: UTF8.self)
        self = (name == "_" && password == "_") ? .none : .credentials(name: name, password: password)
    }

    /// The error CouchDB answers for a malformed basic value.
    static let malformedError = CouchHTTPError(status: 500, error: "unknown_error", reason: "badarg")
}
