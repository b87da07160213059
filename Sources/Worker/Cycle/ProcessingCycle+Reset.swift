import Foundation
import Lease
import Processing

extension ProcessingCycle {
    /// Passes locked to a site whose heartbeat is no longer live go back to `waiting`, with the
    /// reason recorded: that site is not there to monitor them. (Passes of a live site that is
    /// not holding the lease stay: it monitors them on its turn, and resetting them could run
    /// them twice.)
    func resetStaleSites(term: LeaseTerm, context: CycleContext, counts: inout Counts) async throws {
        let stale = context.knownSites.filter { $0 != context.site && !context.liveSites.contains($0) }
        guard !stale.isEmpty else { return }
        var ids: [String] = []
        for site in stale {
            ids += try await store.jobIDs(site: site, status: .submitted) + store.jobIDs(site: site, status: .running)
        }
        guard !ids.isEmpty else { return }
        let time = now()
        var changed: [JobDocument] = []
        for var job in try await store.jobs(ids) {
            var touched = false
            for p in job.passes.indices {
                guard let site = job.passes[p].site, stale.contains(site), job.passes[p].status.isActive else { continue }
                for s in job.passes[p].subjobs.indices where job.passes[p].subjobs[s].status != .completed {
                    job.passes[p].subjobs[s] = Subjob(subrun: job.passes[p].subjobs[s].subrun)
                }
                try job.passes[p].transition(to: .waiting, at: time, site: context.site, epoch: term.epoch,
                                             reason: "reset: site \(site) stopped heartbeating")
                job.passes[p].site = nil
                touched = true
                counts.add("reset")
            }
            if touched { changed.append(job) }
        }
        _ = try await store.write(changed, term: term)
    }
}
