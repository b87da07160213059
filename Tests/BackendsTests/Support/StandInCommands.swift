import Foundation
@testable import Backends

/// A directory of stand-in batch commands (wrappers around Fixtures/fakebatch.py) and the
/// environment that puts them first on PATH, with their job state in a JSON file.
struct StandInCommands {
    let scratch: Scratch
    let bin: URL
    let stateFile: String
    let logFile: String

    /// `commands` maps the name put on PATH to the fakebatch command it runs
    /// (`"qsub": "pbs-qsub"`).
    init(_ scratch: Scratch, commands: [String: String]) throws {
        self.scratch = scratch
        bin = scratch.url.appendingPathComponent("bin")
        stateFile = scratch.file("fakebatch-state.json")
        logFile = scratch.file("fakebatch-calls.jsonl")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        let script = SourceTree.fixtures.appendingPathComponent("fakebatch.py").path
        for (name, command) in commands {
            let wrapper = bin.appendingPathComponent(name)
            try Data("#!/bin/sh\nexec python3 \(ShellQuoting.quote(script)) \(command) \"$@\"\n".utf8).write(to: wrapper)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: wrapper.path)
        }
    }

    /// A runner whose commands find the stand-ins; `run` makes submitted jobs run at once.
    func runner(run: Bool) -> ProcessRunner {
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = bin.path + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        environment["FAKEBATCH_STATE"] = stateFile
        environment["FAKEBATCH_LOG"] = logFile
        environment["FAKEBATCH_RUN"] = run ? "1" : "0"
        return ProcessRunner(baseEnvironment: environment)
    }

    /// The commands the backend ran, each as its argument list (command first).
    func calls() throws -> [[String]] {
        guard let data = FileManager.default.contents(atPath: logFile) else { return [] }
        return try String(decoding: data, as: UTF8.self).split(separator: "\n").map {
            try JSONDecoder().decode([String].self, from: Data($0.utf8))
        }
    }

    /// Changes a stored job: `change` gets the job's JSON object.
    func edit(job id: String, _ change: (inout [String: Any]) -> Void) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: stateFile))
        var state = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        var jobs = state["jobs"] as! [String: Any]
        var job = jobs[id] as! [String: Any]
        change(&job)
        jobs[id] = job
        state["jobs"] = jobs
        try JSONSerialization.data(withJSONObject: state).write(to: URL(fileURLWithPath: stateFile))
    }
}
