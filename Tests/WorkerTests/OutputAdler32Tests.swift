import Testing
import Worker

@Suite("Output checksums: Adler-32")
struct OutputAdler32Tests {
    /// Expectations from Python's `zlib.adler32`.
    @Test("known vectors", arguments: [
        ("", "00000001"),
        ("a", "00620062"),
        ("abc", "024d0127"),
        ("Wikipedia", "11e60398"),
        ("The quick brown fox jumps over the lazy dog", "5bdc0fda"),
    ])
    func vectors(_ text: String, _ hex: String) {
        let sum = Adler32(Array(text.utf8))
        #expect(sum.hex == hex)
        #expect(sum.description == hex)
        #expect(sum.value == UInt32(hex, radix: 16))
    }

    @Test("Wikipedia is 0x11e60398")
    func wikipedia() {
        #expect(Adler32(Array("Wikipedia".utf8)).value == 0x11e6_0398)
    }

    @Test("1 MiB of pseudo-random bytes matches zlib, whole or in uneven chunks", arguments: [1, 4096, 5552, 5553, 65_536, 1 << 20])
    func megabyte(chunk: Int) {
        let bytes = Self.pseudoRandom(count: 1 << 20)
        var sum = Adler32()
        var start = 0
        while start < bytes.count {
            let end = min(start + chunk, bytes.count)
            bytes[start..<end].withUnsafeBytes { sum.update($0) }
            start = end
        }
        #expect(sum.hex == "7777f745")
    }

    @Test("long runs of 0xff do not overflow the sums (zlib: 149a302c for 100000 bytes)")
    func saturated() {
        #expect(Adler32(repeatElement(UInt8(0xff), count: 100_000)).hex == "149a302c")
        var sum = Adler32()
        sum.update(repeatElement(UInt8(0xff), count: 60_000))
        sum.update([UInt8](repeating: 0xff, count: 40_000))
        #expect(sum.hex == "149a302c")
    }

    /// The generator the expectation was computed with in Python: a 64-bit LCG, top byte.
    static func pseudoRandom(count: Int) -> [UInt8] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(state >> 56)
        }
    }
}
