import Foundation
import Testing
import Worker

/// A fresh directory under the system's temporary directory, removed afterwards.
func withOutputScratch<T>(under base: String = NSTemporaryDirectory(), _ body: (String) async throws -> T) async throws -> T {
    let path = (base as NSString).appendingPathComponent("gasp-outputs-\(UUID().uuidString)")
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}

/// Writes `bytes` to `directory/name`.
@discardableResult
func writeOutput(_ directory: String, _ name: String, _ bytes: [UInt8]) throws -> String {
    let path = (directory as NSString).appendingPathComponent(name)
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
}

@Suite("Output verification: every expected file present, sized and checksummed")
struct OutputVerifierTests {
    let expected = [
        try! ExpectedOutput(dataType: "ratds", pattern: "r{run:010}_s{subrun:03}_p{pass}.ratds.root"),
        try! ExpectedOutput(dataType: "ntuple", pattern: "{module}_r{run:010}_s{subrun:03}_*.ntuple.root"),
    ]

    @Test("all present: found per data type and subrun, with size and adler32")
    func complete() async throws {
        try await withOutputScratch { directory in
            for subrun in 0..<3 {
                let s = String(format: "%03d", subrun)
                try writeOutput(directory, "r0000012345_s\(s)_p2.ratds.root", Array("ratds \(subrun)".utf8))
                try writeOutput(directory, "Analysis30_r0000012345_s\(s)_v7.0.8.ntuple.root", Array("Wikipedia".utf8))
            }
            try writeOutput(directory, "r0000012345_s000_p1.ratds.root", [1, 2, 3])  // another pass: ignored
            let result = try await OutputVerifier().verify(
                directory: directory, expected: expected, module: "Analysis30", run: 12345, pass: 2, subruns: [0, 1, 2])
            #expect(result.isComplete)
            #expect(result.problems.isEmpty)
            #expect(result.entries.count == 6)
            #expect(result.entries.map(\.subrun) == [0, 1, 2, 0, 1, 2])
            let ntuple = try #require(result.entries[4].file)
            #expect(ntuple.name == "Analysis30_r0000012345_s001_v7.0.8.ntuple.root")
            #expect(ntuple.path == directory + "/" + ntuple.name)
            #expect(ntuple.size == 9)
            #expect(ntuple.adler32 == "11e60398")
            #expect(result.filesByDataType["ratds"]?.map(\.size) == [7, 7, 7])
            #expect(result.summary == "all 6 outputs present")
        }
    }

    @Test("a missing, an empty and an ambiguous subrun each keep the pass from completing")
    func incomplete() async throws {
        try await withOutputScratch { directory in
            try writeOutput(directory, "r0000012345_s000_p2.ratds.root", [1])
            try writeOutput(directory, "r0000012345_s001_p2.ratds.root", [])
            try writeOutput(directory, "r0000012345_s002_p2.ratds.root", [1])
            try writeOutput(directory, "Analysis30_r0000012345_s000_a.ntuple.root", [1])
            try writeOutput(directory, "Analysis30_r0000012345_s000_b.ntuple.root", [2])
            try writeOutput(directory, "Analysis30_r0000012345_s001_a.ntuple.root", [3])
            try writeOutput(directory, "Analysis30_r0000012345_s001_b.ntuple.root", [])
            try writeOutput(directory, ".Analysis30_r0000012345_s002_x.ntuple.root.part", [4])
            let result = try await OutputVerifier().verify(
                directory: directory, expected: expected, module: "Analysis30", run: 12345, pass: 2, subruns: [0, 1, 2])
            #expect(!result.isComplete)
            #expect(result.entries.map(\.status) == [
                .found(OutputFile(
                    name: "r0000012345_s000_p2.ratds.root", path: directory + "/r0000012345_s000_p2.ratds.root", size: 1,
                    adler32: "00020002")),
                .empty(["r0000012345_s001_p2.ratds.root"]),
                .found(OutputFile(
                    name: "r0000012345_s002_p2.ratds.root", path: directory + "/r0000012345_s002_p2.ratds.root", size: 1,
                    adler32: "00020002")),
                .ambiguous(["Analysis30_r0000012345_s000_a.ntuple.root", "Analysis30_r0000012345_s000_b.ntuple.root"]),
                .found(OutputFile(
                    name: "Analysis30_r0000012345_s001_a.ntuple.root", path: directory + "/Analysis30_r0000012345_s001_a.ntuple.root",
                    size: 1, adler32: "00040004")),
                .missing,
            ])
            #expect(result.problems.map(\.subrun) == [1, 0, 2])
            #expect(result.summary.split(separator: "\n").last == "ntuple subrun 2: missing (Analysis30_r0000012345_s002_*.ntuple.root)")
        }
    }

    @Test("a run-level pass expects one file per data type; {subrun} is then an error")
    func runLevel() async throws {
        try await withOutputScratch { directory in
            try writeOutput(directory, "Processing_r0000000042.zdab", Array("abc".utf8))
            let zdab = try ExpectedOutput(dataType: "zdab", pattern: "{module}_r{run:010}.zdab")
            let result = try await OutputVerifier().verify(
                directory: directory, expected: [zdab], module: "Processing", run: 42, pass: 1, subruns: [])
            #expect(result.isComplete)
            #expect(result.entries.first?.subrun == nil)
            #expect(result.entries.first?.file?.adler32 == "024d0127")
            let error = await #expect(throws: OutputError.self) {
                try await OutputVerifier().verify(
                    directory: directory, expected: expected, module: "Processing", run: 42, pass: 1, subruns: [])
            }
            #expect(error?.code == .invalidPattern)
            #expect(error?.path == "r{run:010}_s{subrun:03}_p{pass}.ratds.root")
        }
    }

    @Test("a directory that cannot be listed is an error naming it, not a missing output")
    func noDirectory() async throws {
        let directory = NSTemporaryDirectory() + "gasp-outputs-absent-\(UUID().uuidString)"
        let error = await #expect(throws: OutputError.self) {
            try await OutputVerifier().verify(
                directory: directory, expected: expected, module: "Analysis30", run: 1, pass: 1, subruns: [0])
        }
        #expect(error?.code == .directoryUnreadable)
        #expect(error?.path == directory)
        #expect(error?.description.hasPrefix(directory + ": ") == true)
    }

    @Test("a file larger than the chunk is streamed to the same checksum zlib computes", arguments: [4096, 100_000])
    func streamed(chunkSize: Int) async throws {
        try await withOutputScratch { directory in
            let path = try writeOutput(directory, "big.bin", OutputAdler32Tests.pseudoRandom(count: 1 << 20))
            let file = try await OutputVerifier(chunkSize: chunkSize).measure(path: path)
            #expect(file.size == 1 << 20)
            #expect(file.adler32 == "7777f745")
            #expect(file.name == "big.bin")
        }
    }

    @Test("a directory where a file is expected is not an output")
    func directoryIsNotAFile() async throws {
        try await withOutputScratch { directory in
            try FileManager.default.createDirectory(atPath: directory + "/Processing_r0000000042.zdab", withIntermediateDirectories: false)
            let zdab = try ExpectedOutput(dataType: "zdab", pattern: "{module}_r{run:010}.zdab")
            let result = try await OutputVerifier().verify(
                directory: directory, expected: [zdab], module: "Processing", run: 42, pass: 1, subruns: [])
            #expect(result.entries.map(\.status) == [.missing])
            let error = await #expect(throws: OutputError.self) {
                try await OutputVerifier().measure(path: directory + "/Processing_r0000000042.zdab")
            }
            #expect(error?.code == .notRegularFile)
        }
    }

    @Test("a cancelled task stops reading and says so, naming the file")
    func cancelled() async throws {
        try await withOutputScratch { directory in
            let path = try writeOutput(directory, "big.bin", [UInt8](repeating: 7, count: 1 << 20))
            let task = Task { () async throws(OutputError) -> OutputFile in
                withUnsafeCurrentTask { $0?.cancel() }
                return try await OutputVerifier(chunkSize: 4096).measure(path: path)
            }
            let result = await task.result
            #expect(throws: OutputError(.cancelled, path: path, "cancelled while reading")) { try result.get() }
        }
    }
}
