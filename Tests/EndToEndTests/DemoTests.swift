import Foundation
import Testing
import TestSupport

/// The README's first command runs `gasp demo`; this runs it the way a newcomer would.
@Suite("gasp demo", .timeLimit(.minutes(2)))
struct DemoTests {
    @Test("runs the whole story: store, views, catalogue, passes, three workers, a takeover, the old epoch refused, every pass completed once")
    func demoRuns() async throws {
        let output = try await runProcess(try gaspExecutableURL(), arguments: ["demo", "--no-wait"])
        #expect(output.status == 0, "stderr: \(output.standardError)")
        let text = output.standardOutput
        for expected in [
            "installed the design documents of Views/",
            "registered 6 runs of 3 subfiles, and created 12 passes",
            "holds the lease at epoch 1",
            "took over", "at epoch 2",
            "was refused: 403 epoch 1 is lower than current epoch 2",
            "released the lease (holder now none, epoch kept at 2)",
            "Summary: 12 of 12 passes completed, each exactly once",
            "submitted and none twice",
            "12 data documents catalogue the outputs",
        ] {
            #expect(text.contains(expected), "missing \"\(expected)\" in:\n\(text)")
        }
        // The takeover comes within the lease bound (3 s lease, 1.15 of it, plus slack for load).
        let ratio = text.firstMatch(of: /\(([0-9.]+) × the lease\)/).flatMap { Double($0.1) }
        #expect(ratio != nil && ratio! < 1.5, "takeover ratio \(ratio.map { String($0) } ?? "missing")")
        #expect(text.filter { $0 == "\n" }.count > 20)
    }
}
