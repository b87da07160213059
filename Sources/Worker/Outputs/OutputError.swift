/// A problem with output files: what kind, which path (or pattern), and what is wrong.
public struct OutputError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of problem.
    public enum Code: String, Sendable, Hashable {
        /// The output directory cannot be listed (missing, unmounted, no permission).
        case directoryUnreadable
        /// A file cannot be opened or read.
        case unreadable
        /// A path that should be a regular file is something else.
        case notRegularFile
        /// A file-name pattern does not parse, or needs a value the pass does not have.
        case invalidPattern
        /// A file name that is empty, `.`/`..`, or contains `/`.
        case invalidName
        /// The draft to publish does not exist.
        case draftMissing
        /// The draft to publish is empty; an empty file is not an output.
        case emptyDraft
        /// A different file already has the destination name; it is never overwritten.
        case destinationExists
        /// Writing, copying or moving failed.
        case writeFailed
        /// The task was cancelled before the work finished.
        case cancelled
    }

    /// The kind of problem.
    public var code: Code
    /// The path at fault, or the pattern for ``Code/invalidPattern``.
    public var path: String
    /// What is wrong, for humans.
    public var message: String

    /// Makes an error.
    public init(_ code: Code, path: String, _ message: String) {
        self.code = code
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}
