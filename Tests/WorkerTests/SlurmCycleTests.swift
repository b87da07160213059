import Backends
import CouchDB
import Foundation
import JSON
import Lease
import Processing
import Testing
import TestSupport
@testable import Worker

/// The cycle's fixture over the process's private single-node Slurm.
typealias SlurmCycleFixture = BatchCycleFixture<SlurmBackend>

extension BatchCycleFixture where Backend == SlurmBackend {
    static func withSlurm(_ body: @Sendable (SlurmCycleFixture) async throws -> Void) async throws {
        try await with(backend: { _ in SlurmTestCluster.backend() }, body)
    }

    /// Runs cycles until `done` holds, at most `seconds` (Slurm starts a job in a second or two).
    func slurmCycles(within seconds: Double = 120, until done: () async throws -> Bool) async throws -> Bool {
        try await cycles(within: seconds, pause: .milliseconds(500), until: done)
    }

    /// The batch job names the job documents of `module` for `runs` record, attempt by attempt.
    func recordedNames(_ module: String, _ runs: [Int]) async throws -> [String] {
        var names: [String] = []
        for run in runs {
            for pass in try await job(module, run).passes {
                names += pass.subjobs.compactMap(\.backendName)
            }
        }
        return names
    }
}

/// How many times Slurm has each of `names` among every job it knows, finished ones included.
func slurmCounts(of names: [String]) async throws -> [String: Int] {
    let known = try await SlurmTestCluster.jobNames()
    return Dictionary(uniqueKeysWithValues: names.map { name in (name, known.count(where: { $0 == name })) })
}

/// Slurm's names of every job whose name starts with one of `prefixes`.
func slurmNames(prefixes: [String]) async throws -> [String] {
    try await SlurmTestCluster.jobNames().filter { name in prefixes.contains { name.hasPrefix($0) } }.sorted()
}

@Suite(
    "The gasp cycle over a real Slurm", .serialized, .slurmCluster, .timeLimit(.minutes(5)),
    .enabled(if: SlurmTestCluster.isInstalled, "Slurm is not installed (Debian: slurm-wlm munge)"))
struct SlurmCycleTests {
    @Test("a chain, a failure and a retry run through Slurm; every batch job is submitted exactly once")
    func wholeCycle() async throws {
        try await SlurmCycleFixture.withSlurm { f in
            try await f.enqueue("Processing", runs: [7100])
            try await f.enqueue("Analysis", runs: [7100], prerequisite: PrerequisiteLink(module: "Processing", pass: 1))
            try await f.enqueue("Broken", runs: [7200])
            try await f.enqueue("Flaky", runs: [7300])
            let ended = try await f.slurmCycles {
                let statuses = try await f.statuses("Processing", [7100]) + f.statuses("Analysis", [7100])
                    + f.statuses("Broken", [7200]) + f.statuses("Flaky", [7300])
                return statuses.allSatisfy { !$0.isActive && $0 != .waiting }
            }
            let passes = try await [("Processing", 7100), ("Analysis", 7100), ("Broken", 7200), ("Flaky", 7300)]
                .asyncMap { try await f.database.get(JobDocument.id(module: $0.0, run: $0.1))["passes"]?.serialized() ?? "" }
            #expect(ended, "\(passes.joined(separator: "\n"))")

            // Processing, then Analysis, completed with their outputs catalogued.
            let processing = try await f.job("Processing", 7100).passes[0]
            let analysis = try await f.job("Analysis", 7100).passes[0]
            #expect(processing.status == .completed)
            #expect(analysis.status == .completed)
            #expect(processing.attempts == 1)
            let completedAt = try require(processing.history.last { $0.to == .completed }?.time)
            let claimedAt = try require(analysis.history.first { $0.to == .submitted }?.time)
            #expect(claimedAt >= completedAt)
            for (module, dataType, subruns) in [("Processing", "ratds", [0, 1]), ("Processing", "ntuple", [0, 1]), ("Analysis", "ntuple", [nil])] as [(String, String, [Int?])] {
                let data = try DataDocument(json: try await f.database.get(
                    DataDocument.id(module: module, run: 7100, pass: 1, dataType: dataType)))
                #expect(data.files.map(\.subrun) == subruns, "\(module) \(dataType)")
                #expect(data.files.allSatisfy { $0.size > 0 && $0.adler32.count == 8 }, "\(module) \(dataType)")
            }
            let ratds = try DataDocument(json: try await f.database.get(DataDocument.id(module: "Processing", run: 7100, pass: 1, dataType: "ratds")))
            let content = try String(contentsOfFile: try require(ratds.files[1].location), encoding: .utf8)
            #expect(content == "ratds 7100 1\n")
            let measured = try await OutputVerifier().measure(path: try require(ratds.files[1].location))
            #expect(ratds.files[1].adler32 == measured.adler32)
            #expect(ratds.files[1].size == measured.size)

            // The non-transient failure failed at once, with the exit code Slurm recorded.
            let broken = try await f.job("Broken", 7200).passes[0]
            #expect(broken.status == .failed)
            #expect(broken.attempts == 1)
            #expect(broken.lastError?.contains("exit code 139") == true, "\(broken.lastError ?? "no error")")
            #expect(broken.lastError?.contains("segmentation violation") == true)

            // The transient one ran its failed subrun again, then ended partFail.
            let flaky = try await f.job("Flaky", 7300).passes[0]
            #expect(flaky.status == .partFail)
            #expect(flaky.attempts == 2)
            #expect(flaky.subjobs.map(\.status) == [.completed, .failed])
            #expect(flaky.history.contains { $0.to == .waiting && ($0.reason ?? "").hasPrefix("retry after") })
            #expect(flaky.lastError?.contains("exit code 3") == true, "\(flaky.lastError ?? "no error")")
            let stderr = try await f.database.attachment(JobDocument.id(module: "Flaky", run: 7300), name: "p1.a2.s1.err")
            #expect(String(decoding: stderr.data, as: UTF8.self).contains("Connection reset by peer"))

            // Exactly once, by Slurm's own records: every name the documents record is there once,
            // and Slurm has no other job of these passes.
            let recorded = try await f.recordedNames("Processing", [7100]) + f.recordedNames("Analysis", [7100])
                + f.recordedNames("Broken", [7200]) + f.recordedNames("Flaky", [7300])
            #expect(recorded.count == 6)
            let counts = try await slurmCounts(of: recorded)
            #expect(counts.values.allSatisfy { $0 == 1 }, "\(counts)")
            let all = try await slurmNames(prefixes: [
                "gasp.Processing.0000007100.", "gasp.Analysis.0000007100.", "gasp.Broken.0000007200.", "gasp.Flaky.0000007300.",
            ])
            #expect(all == [
                "gasp.Analysis.0000007100.p1.a1", "gasp.Broken.0000007200.p1.a1",
                "gasp.Flaky.0000007300.p1.a1.s0", "gasp.Flaky.0000007300.p1.a1.s1", "gasp.Flaky.0000007300.p1.a2.s1",
                "gasp.Processing.0000007100.p1.a1.s0", "gasp.Processing.0000007100.p1.a1.s1",
            ])
            // The backend's own lookup agrees with squeue.
            let found = try await f.backend.find(namePrefix: "gasp.Flaky.0000007300.").map(\.name).sorted()
            #expect(found == ["gasp.Flaky.0000007300.p1.a1.s0", "gasp.Flaky.0000007300.p1.a1.s1", "gasp.Flaky.0000007300.p1.a2.s1"])
        }
    }

    @Test("a claim whose Slurm job was submitted but never recorded is found by name, not submitted again")
    func claimedButUnrecorded() async throws {
        try await SlurmCycleFixture.withSlurm { f in
            try await f.enqueue("Analysis", runs: [7500, 7501])
            // As a holder that died between its claim and recording the batch ids would leave
            // them: both claimed; run 7500's job reached Slurm, run 7501's did not.
            try await f.markClaimed("Analysis", runs: [7500, 7501])
            let submitted = try await f.submitAnalysisByHand(run: 7500)

            let first = try await f.cycle.runCycle(f.term, context: f.context)
            #expect(first.counts["found"] == 1)
            #expect(first.counts["submitted"] == 1)
            let done = try await f.slurmCycles {
                try await f.statuses("Analysis", [7500, 7501]) == [.completed, .completed]
            }
            #expect(done)
            // Run 7500's pass followed the job already in Slurm.
            #expect(try await f.job("Analysis", 7500).passes[0].subjobs[0].backendID == submitted.rawValue)
            let names = try await slurmNames(prefixes: ["gasp.Analysis.0000007500.", "gasp.Analysis.0000007501."])
            #expect(names == ["gasp.Analysis.0000007500.p1.a1", "gasp.Analysis.0000007501.p1.a1"])
        }
    }
}

extension Array where Element: Sendable {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
