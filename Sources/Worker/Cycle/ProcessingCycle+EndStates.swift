import Enqueue
import Foundation
import Lease
import Processing

extension ProcessingCycle {
    /// What follows, in the same cycle, from passes of `runs` reaching an end state: waiting
    /// passes of those runs whose prerequisite links point at a pass that failed for good become
    /// `unsatisfied` with the reason (down a chain of dependants at once), and each run's
    /// `processing_status` follows its jobs (``RunStatusRule``: `done` or `failed`; a run
    /// without a run document has nothing to write). Every write carries the holder's
    /// epoch (a site without the lease keeps each document's). A dependant whose write met a conflict stays `waiting` and is resolved when it is
    /// next met (here, or at a claim); a run document that met one is read again and decided
    /// again, a few times.
    func followEndStates(ofRuns runs: Set<Int>, authority: CycleAuthority, context: CycleContext, counts: inout Counts) async throws {
        guard !runs.isEmpty else { return }
        let numbers = runs.sorted()
        let time = now()
        var jobsByRun = try await store.jobs(runs: numbers)
        var moved: [JobDocument] = []
        for run in numbers {
            guard var jobs = jobsByRun[run] else { continue }
            let changed = PrerequisiteResolver.markUnsatisfied(&jobs, at: time, site: context.site, epoch: authority.epoch)
            guard !changed.isEmpty else { continue }
            moved += Set(changed.map(\.job)).sorted().map { jobs[$0] }
            counts.add("unsatisfied", changed.count)
            jobsByRun[run] = jobs
        }
        _ = try await store.write(moved, epoch: authority.epoch)

        var pending = numbers
        for _ in 0..<3 where !pending.isEmpty {
            let updates = RunStatusUpdater.changes(
                runs: try await store.runDocuments(pending), jobs: jobsByRun, epoch: authority.epoch)
            let conflicts = try await store.write(runs: updates, epoch: authority.epoch)
            counts.add("runs updated", updates.count - conflicts.count)
            pending = conflicts
        }
    }
}
