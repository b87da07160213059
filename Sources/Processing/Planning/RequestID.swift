/// Deterministic request ids: the same normalised request always gets the same id, so a
/// request repeated after a crash finds the passes it already made and makes no second one.
public enum RequestID {
    /// `<prefix>-<16 hex digits>` from the FNV-1a 64-bit hash of `canonical`.
    public static func make(prefix: String, canonical: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in canonical.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return prefix + "-" + String(repeating: "0", count: 16 - hex.count) + hex
    }
}
