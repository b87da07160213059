import JSON

/// The rules CouchDB applies to the `_users` database: who may write a user document
/// (`couch_users_db:before_doc_update`), hashing a clear `password` into PBKDF2 fields, and
/// the shape checks of its built-in `_design/_auth` validate function. Also who may read one
/// (`after_doc_read`).
enum UsersDatabaseRules {
    /// The `_users` database name.
    static let databaseName = "_users"
    /// The id prefix of user documents.
    static let idPrefix = "org.couchdb.user:"
    /// PBKDF2 iterations for new password hashes in the embedded store.
    static let defaultIterations = 10_000

    /// Applied to every document written to `_users`: checks shape and who may write it, hashes a
    /// `password` member into `password_scheme`/`iterations`/`derived_key`/`salt` (pbkdf2), as CouchDB does.
    ///
    /// - Parameters:
    ///   - newDoc: the document as it will be stored, with `_id` (and `_deleted: true` for a delete).
    ///   - oldDoc: the current winning revision, `nil` if none (or deleted).
    ///   - user: who writes.
    ///   - security: the `_users` security object (its admins count as admins here).
    ///   - iterations: PBKDF2 iterations for a new hash (PRF SHA-256).
    /// - Throws: 404 `not_found` when a non-admin writes another user's document; 403 `forbidden`
    ///   with the `_auth` validate function's message for a malformed one.
    static func prepare(
        newDoc: JSONValue, oldDoc: JSONValue?, user: UserContext,
        security: JSONValue = [:], iterations: Int = defaultIterations
    ) throws(CouchHTTPError) -> JSONValue {
        guard var doc = newDoc.objectValue else { throw .badRequest("Document must be a JSON object") }
        let id = doc["_id"]?.stringValue ?? ""
        if id.hasPrefix("_design/") || id.hasPrefix("_local/") { return newDoc }
        let isAdmin = SecurityPolicy.isAdmin(user, security: security)
        let docName = id.hasPrefix(idPrefix) ? String(id.dropFirst(idPrefix.count)) : nil
        if !isAdmin && user.name != nil && user.name != docName {
            throw .notFound("missing")
        }
        if let password = doc["password"], !password.isNull {
            guard let clear = password.stringValue else { throw .badRequest("password must be a string") }
            let salt = PasswordHash.randomSalt()
            let key = PasswordHash.pbkdf2(
                password: Array(clear.utf8), salt: Array(salt.utf8), iterations: iterations, prf: .sha256)
            doc["password_scheme"] = "pbkdf2"
            doc["pbkdf2_prf"] = "sha256"
            doc["iterations"] = .int(iterations)
            doc["derived_key"] = .string(PasswordHash.hex(key))
            doc["salt"] = .string(salt)
            doc["password"] = nil
        }
        let old = oldDoc.flatMap { $0["_deleted"]?.boolValue == true ? nil : $0.objectValue }
        try validate(doc, old: old, user: user, isAdmin: isAdmin)
        return .object(doc)
    }

    /// What a reader may see of a `_users` document: everything for admins and the user
    /// themself; design documents only for admins (403); nothing of others' documents (404).
    static func filterRead(_ doc: JSONValue, user: UserContext, security: JSONValue = [:]) throws(CouchHTTPError) -> JSONValue {
        let id = doc["_id"]?.stringValue ?? ""
        let isAdmin = SecurityPolicy.isAdmin(user, security: security)
        if id.hasPrefix("_design/") {
            guard isAdmin else { throw .forbidden("Only administrators can view design docs in the users database.") }
            return doc
        }
        if isAdmin { return doc }
        if let name = user.name, id == idPrefix + name { return doc }
        throw .notFound("missing")
    }

    /// The `_design/_auth` validate function of CouchDB, in Swift.
    private static func validate(_ doc: JSONObject, old: JSONObject?, user: UserContext, isAdmin: Bool) throws(CouchHTTPError) {
        if doc["_deleted"]?.boolValue == true {
            if user.isServerAdmin { return }
            if let old, let name = user.name, old["name"]?.stringValue == name { return }
            throw .forbidden("Only admins may delete other user docs.")
        }
        guard doc["type"]?.stringValue == "user" else { throw .forbidden("doc.type must be user") }
        guard let nameValue = doc["name"], isTruthy(nameValue) else { throw .forbidden("doc.name is required") }
        guard let rolesValue = doc["roles"], isTruthy(rolesValue) else { throw .forbidden("doc.roles must exist") }
        guard let roleValues = rolesValue.arrayValue else { throw .forbidden("doc.roles must be an array") }
        let roles = roleValues.compactMap(\.stringValue)
        guard roles.count == roleValues.count else { throw .forbidden("doc.roles can only contain strings") }
        guard let name = nameValue.stringValue, doc["_id"]?.stringValue == idPrefix + name else {
            throw .forbidden("Doc ID must be of the form org.couchdb.user:name")
        }
        if let old, old["name"] != doc["name"] { throw .forbidden("Usernames can not be changed.") }
        if let sha = doc["password_sha"], isTruthy(sha), !(doc["salt"].map(isTruthy) ?? false) {
            throw .forbidden("Users with password_sha must have a salt.See /_utils/script/couch.js for example code.")
        }
        if let scheme = doc["password_scheme"], isTruthy(scheme) {
            let text = scheme.stringValue ?? scheme.serialized()
            guard ["simple", "pbkdf2", "simple+pbkdf2"].contains(text), scheme.stringValue != nil else {
                throw .forbidden("Password scheme `\(text)` not supported.")
            }
            if text == "pbkdf2" {
                guard doc["iterations"]?.numberValue != nil else { throw .forbidden("iterations must be a number.") }
                guard doc["derived_key"]?.stringValue != nil else { throw .forbidden("derived_key must be a string.") }
            }
        }
        if !isAdmin {
            if let old {
                guard user.name == name else { throw .forbidden("You may only update your own user document.") }
                let oldRoles = (old["roles"]?.arrayValue ?? []).map { $0.stringValue ?? $0.serialized() }
                guard sortedAsJavaScript(oldRoles) == sortedAsJavaScript(roles) else {
                    throw .forbidden("Only _admin may edit roles")
                }
            } else if !roles.isEmpty {
                throw .forbidden("Only _admin may set roles")
            }
        }
        if roles.contains(where: { $0 != "_metrics" && $0.hasPrefix("_") }) {
            throw .forbidden("No system roles (starting with underscore) in users db.")
        }
        if name.hasPrefix("_") { throw .forbidden("Username may not start with underscore.") }
        if name.contains(":") { throw .forbidden("Character `:` is not allowed in usernames.") }
    }

    /// JavaScript truthiness of a JSON value.
    private static func isTruthy(_ value: JSONValue) -> Bool {
        switch value {
        case .null: false
        case .bool(let flag): flag
        case .number(let number): number.doubleValue != 0
        case .string(let text): !text.isEmpty
        case .array, .object: true
        }
    }

    /// JavaScript's default sort: by UTF-16 code units, compared without normalisation.
    private static func sortedAsJavaScript(_ strings: [String]) -> [[UInt16]] {
        strings.map { Array($0.utf16) }.sorted { $0.lexicographicallyPrecedes($1) }
    }
}
