import Crypto
import JSON

/// What CouchDB knows about a user when checking a password or a cookie (`get_user_creds`):
/// the configured server admin, or a `_users` document.
struct UserCredentials: Sendable {
    /// How a password is checked.
    enum Verifier: Sendable {
        /// The configured admin: SHA-256 of the configured password, compared in constant time.
        case admin(digest: [UInt8])
        /// A `_users` document's stored password fields.
        case document(JSONObject)
        /// No such user (cookie login of an unknown name): every password is wrong.
        case nobody
    }

    /// The user name.
    var name: String
    /// The user's roles.
    var roles: [String]
    /// The password salt; `""` when the user has none. Keys the lockout and the cookie HMAC.
    var salt: String
    /// How a password is checked.
    var verifier: Verifier

    /// The credentials of the configured admin. The salt is derived from the server secret and
    /// the password so that cookies survive a restart with the same secret and die with a new
    /// password, as with CouchDB's hashed admin entries.
    init(admin: ServerAdmin, secret: [UInt8]) {
        name = admin.name
        roles = ["_admin"]
        let mac = HMAC<SHA256>.authenticationCode(
            for: Array("gasp admin salt\u{0}\(admin.name)\u{0}\(admin.password)".utf8),
            using: SymmetricKey(data: secret))
        salt = String(PasswordHash.hex(mac).prefix(32))
        verifier = .admin(digest: Array(SHA256.hash(data: Array(admin.password.utf8))))
    }

    /// The credentials in a `_users` document. A document with unresolved conflicts cannot be
    /// used, as in CouchDB.
    init(name: String, document: JSONValue) throws(CouchHTTPError) {
        let object = document.objectValue ?? [:]
        if object["_conflicts"] != nil {
            throw .unauthorized(
                "User document conflicts must be resolved before the document is used for authentication purposes.")
        }
        self.name = name
        roles = object["roles"]?.arrayValue?.compactMap(\.stringValue) ?? []
        salt = object["salt"]?.stringValue ?? ""
        verifier = .document(object)
    }

    /// An unknown user, for cookie logins (which count failures for unknown names).
    static func nobody(name: String) -> UserCredentials {
        UserCredentials(name: name, roles: [], salt: "", verifier: .nobody)
    }

    private init(name: String, roles: [String], salt: String, verifier: Verifier) {
        self.name = name
        self.roles = roles
        self.salt = salt
        self.verifier = verifier
    }

    /// What a cached verification is tied to: changes whenever the stored hash changes.
    var storedHash: String? {
        switch verifier {
        case .admin(let digest): PasswordHash.hex(digest)
        case .document(let object):
            object["derived_key"]?.stringValue ?? object["password_sha"]?.stringValue
        case .nobody: nil
        }
    }

    /// Checks `password` the slow way (CouchDB's `authenticate_int`). Throws CouchDB's errors
    /// for documents it refuses to use (an invalid PRF, an iteration count out of bounds).
    func verify(password: String, maximumIterations: Int) throws(CouchHTTPError) -> Bool {
        switch verifier {
        case .nobody:
            return false
        case .admin(let digest):
            return PasswordHash.constantTimeEquals(Array(SHA256.hash(data: Array(password.utf8))), digest)
        case .document(let object):
            let passwordBytes = Array(password.utf8)
            let saltBytes = Array(salt.utf8)
            let scheme = object["password_scheme"] ?? "simple"
            switch scheme.stringValue {
            case "simple":
                guard let expected = object["password_sha"]?.stringValue else { return false }
                let actual = PasswordHash.simple(password: passwordBytes, salt: saltBytes)
                return PasswordHash.constantTimeEquals(Array(actual.utf8), Array(expected.utf8))
            case "pbkdf2":
                let prfName = object["pbkdf2_prf"] ?? "sha"
                guard let prf = prfName.stringValue.flatMap(PasswordHash.PRF.init(rawValue:)) else {
                    throw .forbidden("PRF is invalid")
                }
                let iterationsValue = object["iterations"] ?? 10_000
                guard let iterations = iterationsValue.intValue else {
                    throw CouchHTTPError(status: 500, error: "unknown_error", reason: "function_clause")
                }
                if iterations < 1 { throw .forbidden("Iteration count is too low for this server") }
                if iterations > maximumIterations { throw .forbidden("Iteration count is too high for this server") }
                guard let expected = object["derived_key"]?.stringValue else { return false }
                let actual = PasswordHash.hex(
                    PasswordHash.pbkdf2(password: passwordBytes, salt: saltBytes, iterations: iterations, prf: prf))
                return PasswordHash.constantTimeEquals(Array(actual.utf8), Array(expected.utf8))
            default:
                // CouchDB crashes on an unknown scheme (case_clause) and answers 500.
                throw CouchHTTPError(status: 500, error: "unknown_error", reason: "case_clause")
            }
        }
    }
}
