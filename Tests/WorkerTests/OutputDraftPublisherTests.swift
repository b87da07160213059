import Foundation
import Testing
import Worker

@Suite("Output publishing: draft, then move into place")
struct OutputDraftPublisherTests {
    func publisher(_ root: String) throws -> DraftPublisher {
        try FileManager.default.createDirectory(atPath: root + "/draft", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/out", withIntermediateDirectories: true)
        return DraftPublisher(draftDirectory: root + "/draft", outputDirectory: root + "/out")
    }

    func contents(_ path: String) -> [UInt8]? { FileManager.default.contents(atPath: path).map { Array($0) } }

    @Test("a finished draft is moved into the output directory and leaves the draft directory")
    func moves() async throws {
        try await withOutputScratch { root in
            let publisher = try publisher(root)
            let draft = try await publisher.writeDraft(name: "params_20261202.h5", contents: Array("Wikipedia".utf8))
            #expect(draft == root + "/draft/params_20261202.h5")
            let published = try await publisher.publish(name: "params_20261202.h5")
            #expect(published.outcome == .moved)
            #expect(published.file == OutputFile(
                name: "params_20261202.h5", path: root + "/out/params_20261202.h5", size: 9, adler32: "11e60398"))
            #expect(contents(root + "/out/params_20261202.h5") == Array("Wikipedia".utf8))
            #expect(!FileManager.default.fileExists(atPath: draft))
        }
    }

    @Test("publishing again is harmless: after success, and with an identical new draft")
    func idempotent() async throws {
        try await withOutputScratch { root in
            let publisher = try publisher(root)
            _ = try await publisher.writeDraft(name: "a.dat", contents: [1, 2, 3])
            _ = try await publisher.publish(name: "a.dat")
            let again = try await publisher.publish(name: "a.dat")
            #expect(again.outcome == .alreadyPresent)
            #expect(again.file.adler32 == Adler32([1, 2, 3]).hex)
            let draft = try await publisher.writeDraft(name: "a.dat", contents: [1, 2, 3])
            let twin = try await publisher.publish(name: "a.dat")
            #expect(twin.outcome == .alreadyPresent)
            #expect(!FileManager.default.fileExists(atPath: draft))
            #expect(contents(root + "/out/a.dat") == [1, 2, 3])
        }
    }

    @Test("a different file already published is never overwritten; the draft stays for a person to look at")
    func refusesOverwrite() async throws {
        try await withOutputScratch { root in
            let publisher = try publisher(root)
            try writeOutput(root + "/out", "a.dat", [9, 9])
            let draft = try await publisher.writeDraft(name: "a.dat", contents: [1, 2, 3])
            let error = await #expect(throws: OutputError.self) { try await publisher.publish(name: "a.dat") }
            #expect(error?.code == .destinationExists)
            #expect(error?.path == root + "/out/a.dat")
            #expect(error?.message.contains("it is not overwritten") == true)
            #expect(contents(root + "/out/a.dat") == [9, 9])
            #expect(contents(draft) == [1, 2, 3])
        }
    }

    @Test("two publishers racing for one name: one file wins, the other is refused")
    func race() async throws {
        try await withOutputScratch { root in
            try FileManager.default.createDirectory(atPath: root + "/out", withIntermediateDirectories: true)
            let publishers = try (0..<2).map { index in
                try FileManager.default.createDirectory(atPath: root + "/draft\(index)", withIntermediateDirectories: true)
                return DraftPublisher(draftDirectory: root + "/draft\(index)", outputDirectory: root + "/out")
            }
            for (index, publisher) in publishers.enumerated() {
                _ = try await publisher.writeDraft(name: "w.dat", contents: [UInt8](repeating: UInt8(index + 1), count: 100_000))
            }
            let outcomes = await withTaskGroup(of: Result<DraftPublisher.Publication, OutputError>.self) { group in
                for publisher in publishers {
                    group.addTask {
                        do throws(OutputError) { return .success(try await publisher.publish(name: "w.dat")) } catch {
                            return .failure(error)
                        }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            let won = outcomes.compactMap { try? $0.get() }
            let refused = outcomes.compactMap { if case .failure(let error) = $0 { error.code } else { nil } }
            #expect(won.count == 1)
            #expect(refused == [.destinationExists])
            let published = try #require(contents(root + "/out/w.dat"))
            #expect(published.count == 100_000)
            #expect(Set(published).count == 1)
        }
    }

    /// `/dev/shm` when it is writable and on another file system than the temporary directory.
    static let otherFileSystem: String? = {
        let shm = "/dev/shm"
        let devices = [shm, NSTemporaryDirectory()].map {
            (try? FileManager.default.attributesOfItem(atPath: $0))?[.systemNumber] as? Int
        }
        return FileManager.default.isWritableFile(atPath: shm) && devices[0] != nil && devices[0] != devices[1] ? shm : nil
    }()

    @Test(
        "across file systems the file is copied beside the target and put in place, leaving no temporary",
        .enabled(if: otherFileSystem != nil, "needs /dev/shm on a file system of its own"))
    func acrossFileSystems() async throws {
        let shm = try #require(Self.otherFileSystem)
        try await withOutputScratch(under: shm) { draftRoot in
            try await withOutputScratch { outRoot in
                let publisher = DraftPublisher(draftDirectory: draftRoot, outputDirectory: outRoot, chunkSize: 4096)
                let bytes = OutputAdler32Tests.pseudoRandom(count: 1 << 20)
                let draft = try await publisher.writeDraft(name: "events.root", contents: bytes)
                let published = try await publisher.publish(name: "events.root")
                #expect(published.outcome == .copied)
                #expect(published.file.adler32 == "7777f745")
                #expect(published.file.size == 1 << 20)
                #expect(contents(outRoot + "/events.root") == bytes)
                #expect(!FileManager.default.fileExists(atPath: draft))
                #expect(try FileManager.default.contentsOfDirectory(atPath: outRoot) == ["events.root"])
            }
        }
    }

    @Test("a missing or empty draft is refused naming its path")
    func badDrafts() async throws {
        try await withOutputScratch { root in
            let publisher = try publisher(root)
            let missing = await #expect(throws: OutputError.self) { try await publisher.publish(name: "none.dat") }
            #expect(missing == OutputError(.draftMissing, path: root + "/draft/none.dat", "no draft to publish"))
            _ = try await publisher.writeDraft(name: "empty.dat", contents: [])
            let empty = await #expect(throws: OutputError.self) { try await publisher.publish(name: "empty.dat") }
            #expect(empty?.code == .emptyDraft)
            #expect(empty?.path == root + "/draft/empty.dat")
            #expect(!FileManager.default.fileExists(atPath: root + "/out/empty.dat"))
        }
    }

    @Test("names that are not plain file names are refused", arguments: ["", ".", "..", "a/b", "../escape"])
    func badNames(_ name: String) async throws {
        let publisher = DraftPublisher(draftDirectory: "/tmp/draft", outputDirectory: "/tmp/out")
        let error = await #expect(throws: OutputError.self) { try await publisher.publish(name: name) }
        #expect(error?.code == .invalidName)
        #expect(error?.path == "/tmp/draft/" + name)
    }
}
