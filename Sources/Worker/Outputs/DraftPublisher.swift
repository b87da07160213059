#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes outputs where readers do not look, then moves each finished file into the output
/// directory in one step, as the data grabbers draft and then move: a reader of the output
/// directory sees a whole file or none.
///
/// ``publish(name:)`` links the draft into place (`link` refuses an existing name, so a
/// different file there is never overwritten, even in a race) and removes the draft. Across
/// file systems it copies to a hidden temporary name in the output directory, syncs it, and
/// links that into place. Publishing again is harmless: when the same file (same size and
/// Adler-32) is already there, or the draft is gone and the output is there, it succeeds.
public struct DraftPublisher: Sendable {
    /// How a publication went.
    public enum Outcome: String, Sendable, Hashable {
        /// Renamed (linked) into place on the same file system.
        case moved
        /// Copied across file systems, then put into place.
        case copied
        /// The same file was already in place; nothing was written.
        case alreadyPresent
    }

    /// A finished publication: how it went and the file in the output directory.
    public struct Publication: Sendable, Hashable {
        /// How it went.
        public var outcome: Outcome
        /// The published file, with its size and checksum.
        public var file: OutputFile
    }

    /// Where files are written while being produced.
    public let draftDirectory: String
    /// Where finished files go.
    public let outputDirectory: String
    /// How many bytes each read takes.
    public var chunkSize: Int

    /// A publisher between two directories.
    public init(draftDirectory: String, outputDirectory: String, chunkSize: Int = 1 << 20) {
        self.draftDirectory = draftDirectory
        self.outputDirectory = outputDirectory
        self.chunkSize = chunkSize
    }

    /// The path to write the draft of `name` to.
    public func draftPath(for name: String) throws(OutputError) -> String {
        try Self.check(name: name, in: draftDirectory)
        return OutputVerifier.join(draftDirectory, name)
    }

    /// The path `name` is published at.
    public func outputPath(for name: String) throws(OutputError) -> String {
        try Self.check(name: name, in: outputDirectory)
        return OutputVerifier.join(outputDirectory, name)
    }

    /// Writes `contents` as the draft of `name`, replacing an earlier draft.
    public func writeDraft(name: String, contents: [UInt8]) async throws(OutputError) -> String {
        let path = try draftPath(for: name)
        try await BlockingFileIO.run { _ throws(OutputError) in
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                throw OutputError(.writeFailed, path: path, "cannot create: \(BlockingFileIO.describe(errno))")
            }
            defer { close(fd) }
            let failure: OutputError? = contents.withUnsafeBytes { bytes in
                do throws(OutputError) { try BlockingFileIO.writeAll(bytes, to: fd, path: path) } catch { return error }
                return nil
            }
            if let failure { throw failure }
        }
        return path
    }

    /// Moves the finished draft `name` into the output directory; see the type's description.
    public func publish(name: String) async throws(OutputError) -> Publication {
        let draft = try draftPath(for: name)
        let target = try outputPath(for: name)
        let (outputDirectory, chunkSize) = (self.outputDirectory, self.chunkSize)
        return try await BlockingFileIO.run { flag throws(OutputError) in
            try Job(
                draft: draft, target: target, outputDirectory: outputDirectory, name: name, chunkSize: chunkSize, flag: flag
            ).run()
        }
    }

    private static func check(name: String, in directory: String) throws(OutputError) {
        guard !name.isEmpty, name != ".", name != "..", !name.contains("/"), !name.contains("\0") else {
            throw OutputError(
                .invalidName, path: OutputVerifier.join(directory, name), "'\(name)' is not a file name (no /, not . or ..)")
        }
    }
}

extension DraftPublisher {
    /// One publication, run on the file-I/O queue.
    private struct Job {
        let draft: String
        let target: String
        let outputDirectory: String
        let name: String
        let chunkSize: Int
        let flag: BlockingFileIO.CancelFlag

        func run() throws(OutputError) -> Publication {
            guard let draftSize = try BlockingFileIO.regularFileSize(draft) else {
                if let size = try BlockingFileIO.regularFileSize(target), size > 0 {
                    return Publication(outcome: .alreadyPresent, file: try measure(target))
                }
                throw OutputError(.draftMissing, path: draft, "no draft to publish")
            }
            guard draftSize > 0 else {
                throw OutputError(.emptyDraft, path: draft, "the draft is empty; an empty file is not an output")
            }
            if try BlockingFileIO.regularFileSize(target) != nil { return try settleExisting() }
            if link(draft, target) == 0 {
                BlockingFileIO.syncDirectory(outputDirectory)
                unlink(draft)
                return Publication(outcome: .moved, file: try measure(target))
            }
            switch errno {
            case EEXIST: return try settleExisting()
            case EXDEV: return try copyAcross()
            default: return try renameWithoutLink()
            }
        }

        /// The target exists: success when it is the draft's twin, refusal otherwise.
        private func settleExisting() throws(OutputError) -> Publication {
            let existing = try measure(target)
            let drafted = try measure(draft)
            guard existing.size == drafted.size, existing.adler32 == drafted.adler32 else {
                throw OutputError(
                    .destinationExists, path: target,
                    "a different file is already published here (\(existing.size) bytes, adler32 \(existing.adler32); "
                        + "the draft has \(drafted.size) bytes, adler32 \(drafted.adler32)); it is not overwritten")
            }
            unlink(draft)
            return Publication(outcome: .alreadyPresent, file: existing)
        }

        /// Copies the draft to a hidden name beside the target, syncs it, then puts it in place.
        private func copyAcross() throws(OutputError) -> Publication {
            let suffix = "\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            let temporary = OutputVerifier.join(outputDirectory, ".\(name).\(suffix).part")
            let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                throw OutputError(
                    .writeFailed, path: temporary, "cannot create a temporary copy: \(BlockingFileIO.describe(errno))")
            }
            // Once in place the data has the target's name too (or only it, after a rename).
            defer { unlink(temporary) }
            let copied: (size: Int64, adler32: Adler32)
            do {
                defer { close(fd) }
                copied = try BlockingFileIO.digest(draft, chunkSize: chunkSize, flag: flag, copyTo: (fd, temporary))
                guard fsync(fd) == 0 else {
                    throw OutputError(.writeFailed, path: temporary, "fsync failed: \(BlockingFileIO.describe(errno))")
                }
            }
            if link(temporary, target) != 0 {
                if errno == EEXIST { return try settleExisting() }
                if try BlockingFileIO.regularFileSize(target) != nil { return try settleExisting() }
                try move(temporary)
            }
            BlockingFileIO.syncDirectory(outputDirectory)
            unlink(draft)
            let file = OutputFile(name: name, path: target, size: copied.size, adler32: copied.adler32.hex)
            return Publication(outcome: .copied, file: file)
        }

        /// For file systems without hard links: check, then rename (a writer racing between the
        /// check and the rename is the one case this cannot refuse).
        private func renameWithoutLink() throws(OutputError) -> Publication {
            if try BlockingFileIO.regularFileSize(target) != nil { return try settleExisting() }
            try move(draft)
            return Publication(outcome: .moved, file: try measure(target))
        }

        private func move(_ source: String) throws(OutputError) {
            guard rename(source, target) == 0 else {
                throw OutputError(
                    .writeFailed, path: target, "cannot move \(source) here: \(BlockingFileIO.describe(errno))")
            }
            BlockingFileIO.syncDirectory(outputDirectory)
        }

        private func measure(_ path: String) throws(OutputError) -> OutputFile {
            let (size, sum) = try BlockingFileIO.digest(path, chunkSize: chunkSize, flag: flag)
            return OutputFile(name: name, path: path, size: size, adler32: sum.hex)
        }
    }
}
