import Foundation
import JSON
import Processing
import Testing
import TestSupport
@testable import Worker

@Suite("The cycle fills in a command's input files from its prerequisite's data documents", .timeLimit(.minutes(2)))
struct CycleInputTests {
    @Test("a dependant's command receives the real paths of its prerequisite's files; data documents say site and path")
    func inputsFromData() async throws {
        try await CycleFixture.with { f in
            let link = PrerequisiteLink(module: "Processing", pass: 1)
            try await f.enqueue("Processing", runs: [1100])
            try await f.enqueue("Summary", runs: [1100], prerequisite: link)
            try await f.enqueue("Copy", runs: [1100], prerequisite: link)
            let done = try await f.cycles(within: 60) {
                let summary = try await f.statuses("Summary", [1100])
                let copy = try await f.statuses("Copy", [1100])
                return summary == [.completed] && copy == [.completed]
            }
            let summaryJob = try await f.database.get(JobDocument.id(module: "Summary", run: 1100))
            #expect(done, "\(summaryJob["passes"]?.serialized() ?? "")")

            let ratds = try DataDocument(json: try await f.database.get(DataDocument.id(module: "Processing", run: 1100, pass: 1, dataType: "ratds")))
            let ntuple = try DataDocument(json: try await f.database.get(DataDocument.id(module: "Processing", run: 1100, pass: 1, dataType: "ntuple")))
            // Each file says which site made it and where it is there.
            let out = f.root.appendingPathComponent("out").path
            #expect(ratds.files.map(\.site) == ["site-a", "site-a"])
            #expect(ratds.files.map(\.location) == [
                "\(out)/Processing/0000001100/p1/a1/Processing_r0000001100_s0_p1.root",
                "\(out)/Processing/0000001100/p1/a1/Processing_r0000001100_s1_p1.root",
            ])
            let stored = try await f.database.get(ratds.id)
            #expect(stored["files"]?[0]?["site"] == "site-a")

            // Summary (run level) got every ratds path through {inputs}, and read the ntuple files.
            let summary = try DataDocument(json: try await f.database.get(DataDocument.id(module: "Summary", run: 1100, pass: 1, dataType: "summary")))
            let text = try String(contentsOfFile: try require(summary.files.first?.location), encoding: .utf8)
            let paths = ratds.files.compactMap(\.location)
            #expect(text == paths.joined(separator: " ") + "\n" + "ntuple\nntuple\n")
            #expect(ntuple.files.count == 2)
            // Copy (per subfile) got its own subrun's file through {input}.
            let copy = try DataDocument(json: try await f.database.get(DataDocument.id(module: "Copy", run: 1100, pass: 1, dataType: "ratds")))
            for file in copy.files {
                let content = try String(contentsOfFile: try require(file.location), encoding: .utf8)
                #expect(content == "ratds 1100 \(try require(file.subrun))\n")
            }
            // The scripts the batch system ran hold the paths, no placeholder.
            let summaryID = try require(try await f.job("Summary", 1100).passes[0].subjobs[0].backendID)
            let script = try String(contentsOfFile: f.root.appendingPathComponent("backend/jobs/\(summaryID)/script.sh").path, encoding: .utf8)
            #expect(script.contains("echo \(paths.joined(separator: " ")) > Summary_r0000001100_p1.txt"))
            #expect(!script.contains("{input"))
        }
    }

    @Test("a pass whose input data cannot be found fails, naming the missing data document, and is not submitted")
    func missingInputData() async throws {
        try await CycleFixture.with { f in
            _ = try await f.database.put(RunDocument(run: 1200, runType: "Physics", processingStatus: .queued).json)
            // Processing pass 1 says completed, but its data documents were never written.
            try await f.enqueue("Processing", runs: [1200])
            var processing = try await f.job("Processing", 1200)
            try processing.passes[0].transition(to: .submitted, at: Date())
            try processing.passes[0].transition(to: .completed, at: Date())
            _ = try await f.database.put(processing.json)
            try await f.enqueue("Summary", runs: [1200], prerequisite: PrerequisiteLink(module: "Processing", pass: 1))

            let summary = try await f.cycle.runCycle(f.term, context: f.context)
            #expect(summary.counts["failed"] == 1)
            let pass = try await f.job("Summary", 1200).passes[0]
            #expect(pass.status == .failed)
            #expect(pass.lastError == "cannot fill in the command: input data data:Processing:0000001200:1:ratds does not exist (for {inputs})")
            #expect(pass.subjobs.allSatisfy { $0.backendID == nil && $0.status == .failed })
            #expect(try f.backend.submissionLog.entries().isEmpty, "nothing is submitted with a placeholder left in it")
            // An end state like any other: the run follows in the same cycle.
            let run = try RunDocument(json: try await f.database.get(RunDocument.id(run: 1200)))
            #expect(run.processingStatus == .failed)
            #expect(run.failureReason?.contains("data:Processing:0000001200:1:ratds does not exist") == true)
        }
    }
}
