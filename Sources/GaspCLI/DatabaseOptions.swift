import ArgumentParser
import CouchDB
import Enqueue
import Foundation

/// Connection options plus the database to work in.
struct DatabaseOptions: ParsableArguments {
    @OptionGroup var connection: ConnectionOptions

    @Option(name: .customLong("db"), help: "The database (default: the one --config names, else data-processing).")
    var database: String?

    /// Runs `body` with the chosen database; the client is shut down afterwards.
    func withDatabase<T>(_ body: (CouchDatabase) async throws -> T) async throws -> T {
        let name = try database ?? connection.siteConfiguration()?.couchdb.database ?? "data-processing"
        let client = try connection.makeClient()
        do {
            let result = try await body(client.database(name))
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }
}

/// Progress lines on standard error, only when it is a terminal.
enum TerminalProgress {
    static var isTerminal: Bool { isatty(FileHandle.standardError.fileDescriptor) != 0 }

    /// A callback that redraws `written/total` in place, or nil when not on a terminal.
    static func writer(label: String) -> (@Sendable (EnqueueProgress) -> Void)? {
        guard isTerminal else { return nil }
        return { progress in
            let percent = progress.total == 0 ? 100 : progress.written * 100 / progress.total
            let end = progress.written >= progress.total ? "\n" : ""
            FileHandle.standardError.write(Data("\r\(label) \(progress.written)/\(progress.total) documents (\(percent)%)\(end)".utf8))
        }
    }
}

/// Prints an enqueue error the way operators read it and exits non-zero.
func report(_ error: any Error) -> any Error {
    if let error = error as? EnqueueError {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        return ExitCode(error.code == .invalidInput || error.code == .unknownVersion ? 2 : 1)
    }
    return error
}

/// Appends `lines` to the file at `path` (created if missing).
func appendLines(_ lines: [String], to path: String) throws {
    guard !lines.isEmpty else { return }
    if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
    guard let handle = FileHandle(forWritingAtPath: path) else { throw ValidationError("cannot write to \(path)") }
    defer { try? handle.close() }
    handle.seekToEndOfFile()
    handle.write(Data(lines.map { $0 + "\n" }.joined().utf8))
}
