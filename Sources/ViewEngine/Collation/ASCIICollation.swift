import _FoundationICU

/// A fast path for strings of printable ASCII (U+0020–U+007E), with the same result as ICU's
/// root collation: compare primary weights left to right, then (all primaries equal) tertiary
/// weights (`a` before `A`). The weights are read from ICU itself once, so they cannot drift
/// from the library in use.
enum ASCIICollation {
    private struct Tables {
        var primary = [UInt8](repeating: 0, count: 128)
        var tertiary = [UInt8](repeating: 0, count: 128)
    }

    private static let tables: Tables = {
        var tables = Tables()
        let characters = (0x20...0x7E).map { UInt8($0) }
        // Full (tertiary) order of the single characters.
        let ordered = characters.sorted { a, b in
            [a].withUnsafeBufferPointer { x in [b].withUnsafeBufferPointer { y in ICUCollator.compare(x, y) < 0 } }
        }
        // Characters of equal primary weight: a primary-strength collator says so.
        var status = U_ZERO_ERROR
        let primaryCollator = swift_ucol_open("", &status)
        swift_ucol_setStrength(primaryCollator, UCOL_PRIMARY)
        defer { swift_ucol_close(primaryCollator) }
        func primaryEqual(_ a: UInt8, _ b: UInt8) -> Bool {
            var status = U_ZERO_ERROR
            var x = CChar(bitPattern: a), y = CChar(bitPattern: b)
            return swift_ucol_strcollUTF8(primaryCollator, &x, 1, &y, 1, &status) == UCOL_EQUAL
        }
        var primaryRank: UInt8 = 1
        var tertiaryRank: UInt8 = 0
        for (i, c) in ordered.enumerated() {
            if i > 0 {
                if primaryEqual(ordered[i - 1], c) {
                    tertiaryRank += 1
                } else {
                    primaryRank += 1
                    tertiaryRank = 0
                }
            }
            tables.primary[Int(c)] = primaryRank
            tables.tertiary[Int(c)] = tertiaryRank
        }
        return tables
    }()

    /// Primary rank in the high byte, tertiary rank in the low byte, per ASCII code.
    private static let weights: [UInt16] = (0..<128).map { UInt16(tables.primary[$0]) << 8 | UInt16(tables.tertiary[$0]) }

    /// The collation result, or `nil` when either string is not printable ASCII.
    static func compare(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Int? {
        weights.withUnsafeBufferPointer { compare(a, b, weights: $0) }
    }

    private static func compare(
        _ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>, weights: UnsafeBufferPointer<UInt16>
    ) -> Int? {
        let n = min(a.count, b.count)
        var tertiaryResult = 0
        for i in 0..<n {
            let x = a[i], y = b[i]
            guard x >= 0x20, x <= 0x7E, y >= 0x20, y <= 0x7E else { return nil }
            if x == y { continue }
            let wx = weights[Int(x)], wy = weights[Int(y)]
            let px = wx >> 8, py = wy >> 8
            if px != py {
                // Remaining bytes must be ASCII too for the answer to hold.
                guard isPrintableASCII(a, from: i + 1), isPrintableASCII(b, from: i + 1) else { return nil }
                return px < py ? -1 : 1
            }
            if tertiaryResult == 0 {
                tertiaryResult = (wx & 0xFF) < (wy & 0xFF) ? -1 : 1
            }
        }
        guard isPrintableASCII(a, from: n), isPrintableASCII(b, from: n) else { return nil }
        if a.count != b.count { return a.count < b.count ? -1 : 1 }
        return tertiaryResult
    }

    private static func isPrintableASCII(_ s: UnsafeBufferPointer<UInt8>, from start: Int) -> Bool {
        var i = start
        while i < s.count {
            if s[i] < 0x20 || s[i] > 0x7E { return false }
            i += 1
        }
        return true
    }
}
