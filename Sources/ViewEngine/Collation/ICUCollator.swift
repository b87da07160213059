import _FoundationICU

/// ICU's root collator (the one CouchDB opens with `ucol_open("")`), shared by every thread:
/// ICU documents `ucol_strcoll*` and `ucol_getSortKey` as safe to call concurrently on one
/// collator, which is never modified after it is opened.
enum ICUCollator {
    nonisolated(unsafe) static let root: OpaquePointer = {
        var status = U_ZERO_ERROR
        guard let collator = swift_ucol_open("", &status), status.rawValue <= U_ZERO_ERROR.rawValue else {
            fatalError("ICU root collator unavailable (status \(status.rawValue))")
        }
        return collator
    }()

    /// Compares UTF-8 strings by ICU root collation: -1, 0 or 1.
    static func compare(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Int {
        var status = U_ZERO_ERROR
        let result = a.withMemoryRebound(to: CChar.self) { pa in
            b.withMemoryRebound(to: CChar.self) { pb in
                swift_ucol_strcollUTF8(root, pa.baseAddress, Int32(pa.count), pb.baseAddress, Int32(pb.count), &status)
            }
        }
        return Int(result.rawValue)
    }

    /// The ICU sort key of a string: byte-wise comparison of sort keys orders like ``compare``.
    /// The key ends with a single 0 byte and contains no other 0.
    static func sortKey(_ string: String) -> [UInt8] {
        let utf16 = Array(string.utf16)
        var key = [UInt8](repeating: 0, count: max(16, utf16.count * 4 + 8))
        while true {
            let needed = utf16.withUnsafeBufferPointer { source in
                key.withUnsafeMutableBufferPointer { destination in
                    swift_ucol_getSortKey(root, source.baseAddress, Int32(source.count), destination.baseAddress, Int32(destination.count))
                }
            }
            if Int(needed) <= key.count {
                key.removeSubrange(Int(needed)...)
                return key
            }
            key = [UInt8](repeating: 0, count: Int(needed))
        }
    }
}
