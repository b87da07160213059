import Foundation

/// The local backend's append-only record of every submission: one line per
/// ``LocalBackend/submit(_:)``, `<ISO 8601 time>\t<id>\t<name>`, in `<state directory>/submissions.log`.
///
/// Each line is one `write(2)` to a file opened with `O_APPEND`, so lines from several
/// processes sharing a state directory never interleave. It exists to prove exactly-once
/// submission: a name that appears twice was submitted twice.
public struct LocalSubmissionLog: Sendable {
    /// One submission.
    public struct Entry: Sendable, Hashable {
        public var time: Date
        public var id: BackendJobID
        public var name: String
    }

    /// The log's path.
    public let path: String

    /// The log of the local backend whose state directory is `stateDirectory`.
    public init(stateDirectory: URL) {
        self.path = stateDirectory.appendingPathComponent("submissions.log").path
    }

    /// Appends one line and syncs it to disk.
    func append(id: BackendJobID, name: String, time: Date) throws(BackendError) {
        let line = "\(Self.timeFormat.string(from: time))\t\(id.rawValue)\t\(name)\n"
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw BackendError(.io, "cannot open the submission log \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let bytes = Array(line.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else {
            throw BackendError(.io, "cannot append to the submission log \(path): \(String(cString: strerror(errno)))")
        }
        fsync(fd)
    }

    /// Every submission so far, oldest first (an absent log is empty).
    public func entries() throws(BackendError) -> [Entry] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        var entries: [Entry] = []
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let fields = line.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3, let time = Self.timeFormat.date(from: String(fields[0])) else {
                throw BackendError(.unparsableOutput, "submission log \(path): cannot read line \"\(line)\"")
            }
            entries.append(Entry(time: time, id: BackendJobID(String(fields[1])), name: String(fields[2])))
        }
        return entries
    }

    /// Names submitted more than once, with how many times.
    public func duplicateNames() throws(BackendError) -> [String: Int] {
        Dictionary(try entries().map { ($0.name, 1) }, uniquingKeysWith: +).filter { $0.value > 1 }
    }

    private static var timeFormat: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }
}
