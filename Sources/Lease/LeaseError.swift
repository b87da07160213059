import CouchDB

/// A lease operation that failed: what kind of failure, in words a site operator can act on.
public struct LeaseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure.
    public enum Code: String, Sendable, Hashable {
        /// The store rejected the credentials (401, or an account lockout). A configuration
        /// error: retrying would only bring CouchDB's lockout closer.
        case unauthorized
        /// The store refused the write or read (403), e.g. `validate_doc_update` or `_security`.
        case forbidden
        /// The lease database does not exist.
        case databaseMissing
        /// The lease document exists but is not one this module can read.
        case malformedDocument
        /// The store could not be reached or answered with a server error; worth retrying.
        case unavailable
        /// Another writer changed the lease first (a 409, or a losing conflict revision).
        case conflict
        /// The lease is no longer held by this instance.
        case notHeld
        /// The configuration of the lease (seconds, fractions, names) is unusable.
        case invalidConfiguration
        /// The operation was cancelled.
        case cancelled
    }

    /// The kind of failure.
    public var code: Code
    /// What happened, for humans and logs.
    public var message: String
    /// The store's answer behind it, when there was one.
    public var underlying: CouchError?

    /// Makes an error.
    public init(_ code: Code, _ message: String, underlying: CouchError? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    /// True when trying again later may succeed (the store was unreachable or overloaded).
    public var isTransient: Bool { code == .unavailable }

    /// True when only an operator can fix it (credentials, database, permissions, settings):
    /// an elector stops and reports it instead of retrying.
    public var isConfigurationError: Bool {
        switch code {
        case .unauthorized, .forbidden, .databaseMissing, .invalidConfiguration, .malformedDocument: true
        case .unavailable, .conflict, .notHeld, .cancelled: false
        }
    }

    public var description: String {
        var text = "lease \(code.rawValue): \(message)"
        if let underlying { text += " (\(underlying))" }
        return text
    }

    /// Classifies a store failure while `doing` something with the lease document `id`.
    static func from(_ error: CouchError, doing: String, id: String) -> LeaseError {
        let code: Code
        let message: String
        switch error.code {
        case .unauthorized:
            (code, message) = (.unauthorized, "the store rejected the credentials while \(doing) \(id); fix them, gasp will not retry")
        case .forbidden where error.isCredentialRejection:
            (code, message) = (.unauthorized, "the store locked the account out while \(doing) \(id)")
        case .forbidden:
            (code, message) = (.forbidden, "the store refused \(doing) \(id): \(error.reason ?? "forbidden")")
        case .notFound where error.reason == "Database does not exist.":
            (code, message) = (.databaseMissing, "the database for \(id) does not exist; run `gasp bootstrap`")
        case .conflict:
            (code, message) = (.conflict, "another writer changed \(id) first")
        case .cancelled:
            (code, message) = (.cancelled, "cancelled while \(doing) \(id)")
        case .transport, .timeout, .server, .accepted:
            (code, message) = (.unavailable, "the store did not answer while \(doing) \(id)")
        case .decoding:
            (code, message) = (.malformedDocument, "cannot read the store's answer while \(doing) \(id)")
        default:
            (code, message) = (.invalidConfiguration, "unexpected answer while \(doing) \(id); is the URL a CouchDB database?")
        }
        return LeaseError(code, message, underlying: error)
    }
}
