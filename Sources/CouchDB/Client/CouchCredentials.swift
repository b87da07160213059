/// How the client proves who it is. The password never appears in `description`, logs or errors.
public enum CouchCredentials: Sendable, Hashable, CustomStringConvertible, CustomReflectable {
    /// Anonymous requests.
    case none
    /// HTTP Basic authentication on every request.
    case basic(name: String, password: String)
    /// `POST /_session` once, then the `AuthSession` cookie; logs in again when the cookie has
    /// expired (a 401 on a request that carried it) and picks up the refreshed cookie CouchDB
    /// sends as a session ages.
    case cookie(name: String, password: String)

    /// The user name, if any.
    public var name: String? {
        switch self {
        case .none: return nil
        case .basic(let name, _), .cookie(let name, _): return name
        }
    }

    public var description: String {
        switch self {
        case .none: return "anonymous"
        case .basic(let name, _): return "basic(\(name))"
        case .cookie(let name, _): return "cookie(\(name))"
        }
    }

    /// Mirrors only the redacted description, so `dump` and debuggers do not show the password.
    public var customMirror: Mirror { Mirror(self, children: ["description": description]) }
}
