import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs blocking file work on a Dispatch queue, so a multi-gigabyte read never holds a thread
/// of the Swift concurrency pool; cancelling the waiting task raises a flag the work checks
/// between chunks.
enum BlockingFileIO {
    private static let queue = DispatchQueue(label: "gasp.outputs.file-io", qos: .utility, attributes: .concurrent)

    /// Set when the task waiting for the work is cancelled.
    final class CancelFlag: Sendable {
        private let state = Atomic<Bool>(false)
        func cancel() { state.store(true, ordering: .relaxed) }
        var isCancelled: Bool { state.load(ordering: .relaxed) }
    }

    static func run<T: Sendable>(
        _ work: @escaping @Sendable (CancelFlag) throws(OutputError) -> T
    ) async throws(OutputError) -> T {
        let flag = CancelFlag()
        let result: Result<T, OutputError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                queue.async {
                    do throws(OutputError) { continuation.resume(returning: .success(try work(flag))) } catch {
                        continuation.resume(returning: .failure(error))
                    }
                }
            }
        } onCancel: {
            flag.cancel()
        }
        return try result.get()
    }

    /// The size of the regular file at `path`, or nil when nothing is there.
    static func regularFileSize(_ path: String) throws(OutputError) -> Int64? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT { return nil }
            throw OutputError(.unreadable, path: path, "cannot stat: \(describe(errno))")
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw OutputError(.notRegularFile, path: path, "is not a regular file")
        }
        return Int64(info.st_size)
    }

    /// Reads `path` from start to end in chunks, returning its size and Adler-32; with `copyTo`,
    /// writes every chunk to that descriptor as well.
    static func digest(
        _ path: String, chunkSize: Int, flag: CancelFlag, copyTo output: (fd: Int32, path: String)? = nil
    ) throws(OutputError) -> (size: Int64, adler32: Adler32) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw OutputError(.unreadable, path: path, "cannot open: \(describe(errno))") }
        defer { close(fd) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(4096, chunkSize), alignment: 16)
        defer { buffer.deallocate() }
        var sum = Adler32()
        var size: Int64 = 0
        while true {
            if flag.isCancelled { throw OutputError(.cancelled, path: path, "cancelled while reading") }
            let count = read(fd, buffer.baseAddress, buffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                throw OutputError(.unreadable, path: path, "read failed: \(describe(errno))")
            }
            if count == 0 { break }
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
            sum.update(chunk)
            size += Int64(count)
            if let output { try writeAll(chunk, to: output.fd, path: output.path) }
        }
        return (size, sum)
    }

    static func writeAll(_ bytes: UnsafeRawBufferPointer, to fd: Int32, path: String) throws(OutputError) {
        var offset = 0
        while offset < bytes.count {
            let written = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw OutputError(.writeFailed, path: path, "write failed: \(describe(errno))")
            }
            offset += written
        }
    }

    /// Flushes a directory's entries (a rename or link in it) to disk; best effort.
    static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    static func describe(_ code: Int32) -> String { String(cString: strerror(code)) }
}
