/// The Adler-32 checksum (RFC 1950, zlib's `adler32`), as SNO+ records it for every output
/// file: computed incrementally over chunks, written as 8 lowercase hex digits.
///
/// ```swift
/// var sum = Adler32()
/// sum.update(Array("Wiki".utf8))
/// sum.update(Array("pedia".utf8))
/// sum.hex   // "11e60398"
/// ```
public struct Adler32: Sendable, Hashable, CustomStringConvertible {
    /// The checksum of everything given so far (1 for nothing).
    public private(set) var value: UInt32 = 1

    private static let modulus: UInt32 = 65521
    /// The most bytes that can be summed before `b` could overflow 32 bits (zlib's NMAX).
    private static let block = 5552

    /// The checksum of no bytes.
    public init() {}

    /// The checksum of `bytes`.
    public init(_ bytes: some Sequence<UInt8>) {
        update(bytes)
    }

    /// Adds the bytes of `buffer`.
    public mutating func update(_ buffer: UnsafeRawBufferPointer) {
        var a = value & 0xffff
        var b = value >> 16
        var index = 0
        let count = buffer.count
        while index < count {
            let end = min(index + Self.block, count)
            while index < end {
                a &+= UInt32(buffer[index])
                b &+= a
                index += 1
            }
            a %= Self.modulus
            b %= Self.modulus
        }
        value = b << 16 | a
    }

    /// Adds `bytes`.
    public mutating func update(_ bytes: some Sequence<UInt8>) {
        let done: Void? = bytes.withContiguousStorageIfAvailable { update(UnsafeRawBufferPointer($0)) }
        if done != nil { return }
        var chunk: [UInt8] = []
        chunk.reserveCapacity(Self.block)
        for byte in bytes {
            chunk.append(byte)
            if chunk.count == Self.block {
                chunk.withUnsafeBytes { update($0) }
                chunk.removeAll(keepingCapacity: true)
            }
        }
        chunk.withUnsafeBytes { update($0) }
    }

    /// Eight lowercase hex digits, e.g. `11e60398`.
    public var hex: String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }

    public var description: String { hex }
}
