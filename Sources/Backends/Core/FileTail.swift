import Foundation

/// Reads the end of a file.
public enum FileTail {
    /// The last `bytes` bytes of the file at `path` as UTF-8 (invalid sequences replaced, a
    /// character cut at the start dropped), or `""` when the file does not exist or cannot be read.
    public static func read(_ path: String, bytes: Int) -> String {
        guard bytes > 0, let handle = FileHandle(forReadingAtPath: path) else { return "" }
        defer { try? handle.close() }
        do {
            let size = try handle.seekToEnd()
            let start = size > UInt64(bytes) ? size - UInt64(bytes) : 0
            try handle.seek(toOffset: start)
            var data = try handle.readToEnd() ?? Data()
            if start > 0 {
                // Skip UTF-8 continuation bytes of a character cut in half.
                let skip = data.prefix(3).prefix(while: { $0 & 0xC0 == 0x80 }).count
                data = data.dropFirst(skip)
            }
            return String(decoding: data, as: UTF8.self)
        } catch {
            return ""
        }
    }
}
