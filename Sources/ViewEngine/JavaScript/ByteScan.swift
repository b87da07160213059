#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Byte searches over large protocol lines, fast even in debug builds.
enum ByteScan {
    /// The index of the first `byte` at or after `start`, or `nil`.
    static func index(of byte: UInt8, in buffer: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard start < buffer.count, let base = buffer.baseAddress else { return nil }
        guard let found = memchr(base + start, Int32(byte), buffer.count - start) else { return nil }
        return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
    }

    /// Whether the buffer holds a lead byte of a 4-byte UTF-8 sequence (0xF0 or above).
    static func containsFourByteLead(_ buffer: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = buffer.baseAddress else { return false }
        let raw = UnsafeRawPointer(base)
        let words = buffer.count / 8
        var i = 0
        while i < words {
            // Only words with a non-ASCII byte need a closer look.
            if raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 {
                for j in (i * 8)..<(i * 8 + 8) where base[j] >= 0xF0 { return true }
            }
            i += 1
        }
        for j in (words * 8)..<buffer.count where base[j] >= 0xF0 { return true }
        return false
    }
}
