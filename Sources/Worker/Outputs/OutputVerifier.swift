import Foundation

/// Finds a pass's expected output files in a directory and measures each (size and Adler-32,
/// read in chunks on a Dispatch queue), so the cycle marks a pass completed only when every
/// output is there and not empty.
///
/// ```swift
/// let expected = [try ExpectedOutput(dataType: "ntuple", pattern: "r{run:010}_s{subrun:03}_p{pass}_*.ntuple.root")]
/// let result = try await OutputVerifier().verify(
///     directory: "/data/out", expected: expected, module: "Analysis30", run: 12345, pass: 2, subruns: [0, 1, 2])
/// if result.isComplete { /* catalogue result.filesByDataType, then mark the pass completed */ }
/// ```
///
/// Names starting with `.` (such as ``DraftPublisher``'s partial copies) and anything that is
/// not a regular file are never outputs.
public struct OutputVerifier: Sendable {
    /// How many bytes each read takes.
    public var chunkSize: Int

    /// A verifier reading `chunkSize` bytes at a time.
    public init(chunkSize: Int = 1 << 20) {
        self.chunkSize = chunkSize
    }

    /// Checks every expected output of a pass in `directory`.
    ///
    /// With `subruns` empty the pass is run-level and each expected output is one file; then
    /// a pattern with `{subrun}` is an error. Otherwise a pattern with `{subrun}` expects a
    /// file per subrun and one without expects a single file. Throws when the directory
    /// cannot be listed or a matching file cannot be read; a missing or empty file is a
    /// finding, not an error.
    public func verify(
        directory: String, expected: [ExpectedOutput], module: String, run: Int, pass: Int, subruns: [Int]
    ) async throws(OutputError) -> OutputVerification {
        var wanted: [(dataType: String, pattern: OutputPattern, subrun: Int?)] = []
        for output in expected {
            if output.pattern.usesSubrun {
                guard !subruns.isEmpty else {
                    throw OutputError(
                        .invalidPattern, path: output.pattern.text,
                        "uses {subrun}, but \(module) run \(run) pass \(pass) is run-level (no subruns)")
                }
                for subrun in subruns { wanted.append((output.dataType, output.pattern, subrun)) }
            } else {
                wanted.append((output.dataType, output.pattern, nil))
            }
        }
        let request = wanted
        let candidates = try await BlockingFileIO.run { _ throws(OutputError) in
            let files = try Self.regularFiles(in: directory)
            return request.map { item in
                files.filter { item.pattern.matches($0.name, module: module, run: run, pass: pass, subrun: item.subrun) }
            }
        }
        var entries: [OutputVerification.Entry] = []
        for (item, matches) in zip(wanted, candidates) {
            let name = item.pattern.expanded(module: module, run: run, pass: pass, subrun: item.subrun)
            let nonEmpty = matches.filter { $0.size > 0 }
            let status: OutputVerification.Status
            switch nonEmpty.count {
            case 0: status = matches.isEmpty ? .missing : .empty(matches.map(\.name))
            case 1: status = .found(try await measure(path: Self.join(directory, nonEmpty[0].name)))
            default: status = .ambiguous(nonEmpty.map(\.name))
            }
            entries.append(.init(dataType: item.dataType, subrun: item.subrun, expectedName: name, status: status))
        }
        return OutputVerification(directory: directory, entries: entries)
    }

    /// The size and Adler-32 of one file, read in chunks off the concurrency pool.
    public func measure(path: String) async throws(OutputError) -> OutputFile {
        let chunkSize = self.chunkSize
        let (size, sum) = try await BlockingFileIO.run { flag throws(OutputError) in
            guard try BlockingFileIO.regularFileSize(path) != nil else {
                throw OutputError(.unreadable, path: path, "does not exist")
            }
            return try BlockingFileIO.digest(path, chunkSize: chunkSize, flag: flag)
        }
        let name = path.split(separator: "/").last.map(String.init) ?? path
        return OutputFile(name: name, path: path, size: size, adler32: sum.hex)
    }

    static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    /// The regular files in `directory` (symbolic links followed), without dot-files.
    private static func regularFiles(in directory: String) throws(OutputError) -> [(name: String, size: Int64)] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw OutputError(
                .directoryUnreadable, path: directory, "cannot list the output directory: \(error.localizedDescription)")
        }
        return names.sorted().compactMap { name in
            guard !name.hasPrefix(".") else { return nil }
            guard let size = try? BlockingFileIO.regularFileSize(join(directory, name)) else { return nil }
            return (name, size)
        }
    }
}
