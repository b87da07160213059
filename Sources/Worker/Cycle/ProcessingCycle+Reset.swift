import Backends
import CouchDB
import Foundation
import Lease
import Processing

extension ProcessingCycle {
    /// Passes locked to a dead site go back to `waiting`, with the reason recorded.
    ///
    /// A site is dead when no worker has seen its heartbeat for longer than the site's own
    /// `dead_after_seconds` (minutes by default): far longer than a restart or a short network
    /// cut, because its batch jobs may well still be running. A site that is only quiet for a
    /// few heartbeats keeps its passes: its worker follows them again when it is back, whether
    /// or not it holds the lease. Before resetting, the site's document is read once more: a
    /// site whose heartbeat moved since it was judged dead keeps its passes.
    ///
    /// Each batch job of the reset attempt is recorded on the pass as abandoned
    /// (``AbandonedBatchJob``): when the site returns its worker cancels it and removes its
    /// outputs, so nothing of the old attempt runs on unnoticed or is left behind.
    func resetDeadSites(term: LeaseTerm, context: CycleContext, counts: inout Counts) async throws {
        var dead = context.deadSites.filter { $0 != context.site }
        guard !dead.isEmpty else { return }
        dead = try await confirmDead(dead, context: context)
        guard !dead.isEmpty else { return }
        var ids: [String] = []
        for site in dead {
            ids += try await store.jobIDs(site: site, status: .submitted) + store.jobIDs(site: site, status: .running)
        }
        guard !ids.isEmpty else { return }
        let time = now()
        let stamp = Timestamp.string(time)
        var changed: [JobDocument] = []
        for var job in try await store.jobs(ids) {
            var touched = false
            for p in job.passes.indices {
                guard let site = job.passes[p].site, dead.contains(site), job.passes[p].status.isActive else { continue }
                let attempt = job.passes[p].attempts
                var abandoned = job.passes[p].abandoned
                for s in job.passes[p].subjobs.indices where job.passes[p].subjobs[s].status != .completed {
                    let subjob = job.passes[p].subjobs[s]
                    if subjob.backendID != nil || subjob.backendName != nil {
                        abandoned.append(AbandonedBatchJob(
                            site: site, attempt: attempt, subrun: subjob.subrun, backendID: subjob.backendID,
                            backendName: subjob.backendName, directory: subjob.extra["directory"]?.stringValue, since: stamp))
                    }
                    job.passes[p].subjobs[s] = Subjob(subrun: subjob.subrun)
                }
                job.passes[p].abandoned = abandoned
                let deadAfter = context.deadAfter[site].map { " for over \(Int($0)) s" } ?? ""
                try job.passes[p].transition(
                    to: .waiting, at: time, site: context.site, epoch: term.epoch,
                    reason: "reset: site \(site) has not heartbeat\(deadAfter); its batch jobs of attempt \(attempt) are cancelled when it returns")
                job.passes[p].site = nil
                touched = true
                counts.add("reset")
            }
            if touched { changed.append(job) }
        }
        _ = try await store.write(changed, term: term)
    }

    /// The sites of `dead` whose document still has the revision it had when they were judged
    /// dead (sites judged without a known revision are kept).
    func confirmDead(_ dead: [String], context: CycleContext) async throws -> [String] {
        let rows = try await database.allDocs(AllDocsQuery(keys: dead.map { SiteDocument.id(name: $0) })).rows
        var current: [String: String] = [:]
        for row in rows where !row.deleted {
            if let rev = row.rev { current[String(row.key.dropFirst("site:".count))] = rev }
        }
        return dead.filter { site in
            guard let judged = context.deadSiteRevisions[site] else { return true }
            return current[site] == judged
        }
    }

    /// Cancels this site's batch jobs of attempts that were reset while it was away, removes
    /// their attempt directories (inside the output root only), and drops the records. Runs in
    /// every round, holder or not, before anything new is claimed.
    func cleanUpAbandoned(authority: CycleAuthority, counts: inout Counts) async throws {
        let site = authority.site
        let rows = try await database.view("passes", "abandoned_by_site", ViewQuery(
            startKey: [.string(site)], endKey: [.string(site), [:]], reduce: nil)).rows
        guard !rows.isEmpty else { return }
        var changed: [JobDocument] = []
        for var job in try await store.jobs(rows.compactMap(\.id)) {
            var touched = false
            for p in job.passes.indices {
                let mine = job.passes[p].abandoned.filter { $0.site == site }
                guard !mine.isEmpty else { continue }
                try authority.checkBeforeActing()
                var ids: [BackendJobID] = []
                for record in mine {
                    if let id = record.backendID {
                        ids.append(BackendJobID(id))
                    } else if let name = record.backendName, let found = try await backend.find(named: name) {
                        ids.append(found)
                    }
                }
                if !ids.isEmpty {
                    try authority.checkBeforeActing()
                    try await backend.cancel(ids)
                    counts.add("abandoned_cancelled", ids.count)
                }
                let current = job.passes[p].site == site ? job.passes[p].attempts : nil
                for directory in Set(mine.filter { $0.attempt != current }.compactMap(\.directory)) {
                    removeAttemptDirectory(directory)
                }
                job.passes[p].abandoned = job.passes[p].abandoned.filter { $0.site != site }
                touched = true
            }
            if touched { changed.append(job) }
        }
        _ = try await store.write(changed, epoch: authority.epoch)
    }

    /// Removes an abandoned attempt's directory when it lies inside this site's output root.
    func removeAttemptDirectory(_ path: String) {
        let root = URL(fileURLWithPath: settings.outputRoot).standardizedFileURL.path
        let target = URL(fileURLWithPath: path).standardizedFileURL.path
        guard target.hasPrefix(root + "/"), !path.contains("/../") else {
            logger.warning("not removing an abandoned attempt directory outside the output root", metadata: ["directory": "\(path)"])
            return
        }
        try? FileManager.default.removeItem(atPath: target)
    }
}
