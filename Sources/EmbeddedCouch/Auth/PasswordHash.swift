import Crypto
import _CryptoExtras

/// Password hashing as CouchDB does it for `_users` documents and its credential checks.
enum PasswordHash {
    /// The pseudo-random functions CouchDB accepts in `pbkdf2_prf`.
    enum PRF: String, Sendable, CaseIterable {
        case sha = "sha", sha224 = "sha224", sha256 = "sha256", sha384 = "sha384", sha512 = "sha512"

        /// The derived key length CouchDB uses: the digest size of the hash.
        var outputByteCount: Int {
            switch self {
            case .sha: 20
            case .sha224: 28
            case .sha256: 32
            case .sha384: 48
            case .sha512: 64
            }
        }

        fileprivate var function: KDF.Insecure.PBKDF2.HashFunction {
            switch self {
            case .sha: .insecureSHA1
            case .sha224: .insecureSHA224
            case .sha256: .sha256
            case .sha384: .sha384
            case .sha512: .sha512
            }
        }
    }

    /// PBKDF2 (RFC 8018) of `password` with `salt`; the key is as long as the PRF's digest
    /// unless `byteCount` says otherwise.
    static func pbkdf2(password: [UInt8], salt: [UInt8], iterations: Int, prf: PRF, byteCount: Int? = nil) -> [UInt8] {
        precondition(iterations > 0, "PBKDF2 needs at least one iteration")
        // Only fails for parameters BoringSSL rejects (zero iterations or output), excluded above.
        let key = try! KDF.Insecure.PBKDF2.deriveKey(
            from: password, salt: salt, using: prf.function,
            outputByteCount: byteCount ?? prf.outputByteCount, unsafeUncheckedRounds: iterations)
        return key.withUnsafeBytes { Array($0) }
    }

    /// CouchDB's legacy `simple` scheme: hex SHA-1 of the password followed by the salt.
    static func simple(password: [UInt8], salt: [UInt8]) -> String {
        hex(Array(Insecure.SHA1.hash(data: password + salt)))
    }

    /// A fresh salt as CouchDB makes one (`couch_uuids:random()`): 32 lowercase hex digits.
    static func randomSalt() -> String {
        var generator = SystemRandomNumberGenerator()
        return hex((0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    /// Lowercase hexadecimal.
    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Compares two byte strings in time that depends only on their lengths.
    static func constantTimeEquals(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }
}
