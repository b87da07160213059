import Crypto

/// Remembers passwords that verified, so a busy client does not pay PBKDF2 on every request
/// (CouchDB's `couch_passwords_cache`). Entries are keyed by user name, salt and the stored hash,
/// so a changed password or re-hashed document never matches a stale entry; the password itself
/// is kept only as an HMAC under a key that lives in this process.
actor CredentialCache {
    /// What a cached verification is valid for.
    struct Key: Hashable, Sendable {
        var name: String
        var salt: String
        /// The stored hash (`derived_key`, `password_sha`, …) the password was checked against.
        var storedHash: String
    }

    /// The answer for a password.
    enum Lookup: Sendable, Equatable {
        /// Nothing cached for this key: verify the slow way.
        case unknown
        /// The password is the one that verified.
        case match
        /// Another password verified for this key, so this one is wrong.
        case mismatch
    }

    private let capacity: Int
    private let macKey = SymmetricKey(size: .bits256)
    private var entries: [Key: (mac: [UInt8], stamp: UInt64)] = [:]
    private var stamp: UInt64 = 0

    init(capacity: Int = 1_000) {
        self.capacity = max(1, capacity)
    }

    /// Whether `password` is known to be right or wrong for `key`.
    func lookup(_ key: Key, password: String) -> Lookup {
        guard let entry = entries[key] else { return .unknown }
        return PasswordHash.constantTimeEquals(entry.mac, mac(password)) ? .match : .mismatch
    }

    /// Records that `password` verified for `key`.
    func insert(_ key: Key, password: String) {
        if entries[key] == nil, entries.count >= capacity {
            let cutoff = entries.values.map(\.stamp).sorted()[entries.count / 2]
            entries = entries.filter { $0.value.stamp > cutoff }
        }
        stamp += 1
        entries[key] = (mac(password), stamp)
    }

    private func mac(_ password: String) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Array(password.utf8), using: macKey))
    }
}
