import Foundation

/// One site's configuration file (YAML; see `Ops/examples/`), validated completely when read.
///
/// This is the part every command shares: how to reach CouchDB and which databases and
/// security the fleet uses. Secrets never sit in the file itself: it names an environment
/// variable or a file that holds the password.
public struct SiteConfiguration: Sendable, Equatable {
    /// How to reach CouchDB.
    public struct CouchDBSettings: Sendable, Equatable {
        /// The server URL, without credentials.
        public var url: String
        /// The database the fleet works in.
        public var database: String
        /// The user to authenticate as, if any.
        public var user: String?
        /// A file whose first line is the password.
        public var passwordFile: String?
        /// An environment variable that holds the password.
        public var passwordEnvironment: String?
    }

    /// Names and roles of one `_security` group.
    public struct SecurityGroup: Sendable, Equatable {
        public var names: [String]
        public var roles: [String]
    }

    /// The site's name (`site:<name>`), if the file is a worker's.
    public var site: String?
    /// How to reach CouchDB.
    public var couchdb: CouchDBSettings
    /// Further databases `gasp bootstrap` prepares besides `couchdb.database`.
    public var extraDatabases: [String]
    /// The `_security` object `gasp bootstrap` sets: admins and members.
    public var security: (admins: SecurityGroup, members: SecurityGroup)?
    /// How this site's worker contends for the lease and describes itself (`worker:`); the
    /// defaults when the section is absent.
    public var worker: WorkerSettings = WorkerSettings()

    public static func == (a: SiteConfiguration, b: SiteConfiguration) -> Bool {
        a.site == b.site && a.couchdb == b.couchdb && a.extraDatabases == b.extraDatabases
            && a.security?.admins == b.security?.admins && a.security?.members == b.security?.members
            && a.worker == b.worker
    }

    /// Every database the configuration names, `couchdb.database` first.
    public var databases: [String] { [couchdb.database] + extraDatabases.filter { $0 != couchdb.database } }

    /// Reads and validates `path`.
    public static func load(path: String) throws(ConfigurationError) -> SiteConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError(.unreadable, file: path, "cannot read it (\(error.localizedDescription))")
        }
        return try parse(text, file: path)
    }

    /// Parses and validates configuration text; `file` names it in errors.
    public static func parse(_ text: String, file: String) throws(ConfigurationError) -> SiteConfiguration {
        let root = try YAMLReader.parse(text, file: file)
        try root.rejectUnknownKeys(["site", "couchdb", "bootstrap", "security", "worker"])
        guard let couch = try root.child("couchdb") else {
            throw root.error(.missingKey, key: "couchdb", "required: the CouchDB url and database")
        }
        try couch.rejectUnknownKeys(["url", "database", "user", "password_file", "password_env"])
        let url = try couch.requiredString("url")
        guard let components = URLComponents(string: url), components.scheme == "http" || components.scheme == "https", components.host != nil else {
            throw (try couch.child("url") ?? couch).error(.invalidValue, "not an http(s) URL: \(url)")
        }
        if components.password != nil {
            throw (try couch.child("url") ?? couch).error(.invalidValue, "the URL carries a password; use password_file or password_env")
        }
        let settings = CouchDBSettings(
            url: url, database: try couch.requiredString("database"), user: try couch.string("user"),
            passwordFile: try couch.string("password_file"), passwordEnvironment: try couch.string("password_env"))
        if settings.user != nil, settings.passwordFile == nil, settings.passwordEnvironment == nil {
            throw couch.error(.missingKey, key: "couchdb.password_file", "a user needs password_file or password_env")
        }

        var extra: [String] = []
        if let bootstrap = try root.child("bootstrap") {
            try bootstrap.rejectUnknownKeys(["databases"])
            extra = try bootstrap.strings("databases") ?? []
        }

        var security: (SecurityGroup, SecurityGroup)?
        if let sec = try root.child("security") {
            try sec.rejectUnknownKeys(["admins", "members"])
            func group(_ key: String) throws(ConfigurationError) -> SecurityGroup {
                guard let g = try sec.child(key) else { return SecurityGroup(names: [], roles: []) }
                try g.rejectUnknownKeys(["names", "roles"])
                return SecurityGroup(names: try g.strings("names") ?? [], roles: try g.strings("roles") ?? [])
            }
            security = (try group("admins"), try group("members"))
        }
        var configuration = SiteConfiguration(site: try root.string("site"), couchdb: settings, extraDatabases: extra, security: security)
        if let worker = try root.child("worker") {
            configuration.worker = try WorkerSettings.read(worker)
        }
        return configuration
    }

    /// The CouchDB password from `password_file` or `password_env`, nil without a user.
    public func password(environment: [String: String] = ProcessInfo.processInfo.environment, file: String) throws(ConfigurationError) -> String? {
        guard couchdb.user != nil else { return nil }
        if let path = couchdb.passwordFile {
            do {
                let text = try String(contentsOfFile: path, encoding: .utf8)
                return text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
            } catch {
                throw ConfigurationError(.unreadable, file: file, key: "couchdb.password_file", "cannot read \(path) (\(error.localizedDescription))")
            }
        }
        if let name = couchdb.passwordEnvironment {
            guard let value = environment[name] else {
                throw ConfigurationError(.missingKey, file: file, key: "couchdb.password_env", "the environment variable \(name) is not set")
            }
            return value
        }
        return nil
    }
}
