import Foundation

/// The files of one local job, in `<state directory>/jobs/<id>/`.
///
/// Written by ``LocalBackend`` at submission: `record.json` (the request and submission time),
/// `name`, `script.sh`, `wrapper.sh`. Written by the wrapper as the job runs: `pid`, `started`
/// and `ended` (Unix seconds), `cpu_times` (the shell's `times`), `timed_out` when the wall
/// time stopped it, and last `exit_code`, each renamed into place whole. `cancelled` is written
/// by ``LocalBackend/cancel(_:)``.
struct LocalJobFolder: Sendable {
    let id: BackendJobID
    let url: URL

    init(stateDirectory: URL, id: BackendJobID) {
        self.id = id
        self.url = stateDirectory.appendingPathComponent("jobs", isDirectory: true)
            .appendingPathComponent(id.rawValue, isDirectory: true)
    }

    func path(_ file: String) -> String { url.appendingPathComponent(file).path }

    var exists: Bool { FileManager.default.fileExists(atPath: url.path) }

    func read(_ file: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path(file)) else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func has(_ file: String) -> Bool { FileManager.default.fileExists(atPath: path(file)) }

    var name: String? { read("name") }
    var pid: pid_t? { read("pid").flatMap { pid_t($0) } }
    var exitCode: Int32? { read("exit_code").flatMap { Int32($0) } }

    func record() -> LocalJobRecord? {
        guard let data = FileManager.default.contents(atPath: path("record.json")) else { return nil }
        return try? JSONDecoder.localRecords.decode(LocalJobRecord.self, from: data)
    }

    /// CPU seconds of the job's processes (user + system of the wrapper's children).
    var cpuSeconds: Double? {
        guard let text = read("cpu_times") else { return nil }
        let lines = text.split(separator: "\n")
        guard lines.count >= 2 else { return nil }
        let values = lines[1].split(separator: " ").compactMap { Self.shellTime(String($0)) }
        return values.count == 2 ? values[0] + values[1] : nil
    }

    /// `1m2.500000s` (dash, bash) as seconds.
    static func shellTime(_ text: String) -> Double? {
        guard text.hasSuffix("s"), let m = text.firstIndex(of: "m"),
              let minutes = Double(text[..<m]),
              let seconds = Double(text[text.index(after: m)..<text.index(before: text.endIndex)])
        else { return nil }
        return minutes * 60 + seconds
    }

    /// Whether `pid` is a live process running this job's wrapper (not a zombie, not a pid
    /// reused by something else).
    func isRunning(pid: pid_t) -> Bool {
        guard kill(pid, 0) == 0 || errno == EPERM else { return false }
        #if os(Linux)
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
        let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        return arguments.contains(url.path) || arguments.contains(url.path + "/")
        #else
        return true
        #endif
    }
}

/// What `record.json` holds.
struct LocalJobRecord: Codable, Sendable {
    var id: BackendJobID
    var submittedAt: Date
    var request: BackendJobRequest
}

extension JSONEncoder {
    static var localRecords: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }
}

extension JSONDecoder {
    static var localRecords: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
