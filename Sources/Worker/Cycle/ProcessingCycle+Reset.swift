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

    /// Cleans up after passes reset while this site was away: a pass nobody has claimed since
    /// is taken back with its batch jobs when they are still alive or finished well
    /// (``takeBack(_:records:found:site:authority:)``); otherwise the jobs are cancelled, their
    /// attempt directories removed (inside the output root only), and the records dropped.
    /// Runs in every round, holder or not, before anything new is claimed.
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
                var found: [Int?: BackendJobID] = [:]
                for record in mine {
                    if let id = record.backendID {
                        ids.append(BackendJobID(id))
                        found[record.subrun] = BackendJobID(id)
                    } else if let name = record.backendName, let id = try await backend.find(named: name) {
                        ids.append(id)
                        found[record.subrun] = id
                    }
                }
                if try await takeBack(&job.passes[p], records: mine, found: found, site: site, authority: authority) {
                    counts.add("taken_back")
                    touched = true
                    continue
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

    /// Takes a pass back with its abandoned batch jobs when nobody has claimed it since the
    /// reset and every one of them is still queued, running or finished well: the pass goes
    /// back to `submitted` at this site at the same attempt, and the next monitor step follows
    /// the jobs as if the site had never been away. Nothing runs a second time. False (nothing
    /// changed) otherwise; the jobs are then cancelled.
    func takeBack(
        _ pass: inout Pass, records: [AbandonedBatchJob], found: [Int?: BackendJobID], site: String, authority: CycleAuthority
    ) async throws -> Bool {
        guard pass.status == .waiting, pass.site == nil, Set(records.map(\.attempt)) == [pass.attempts] else { return false }
        let open = pass.subjobs.indices.filter { pass.subjobs[$0].status != .completed }
        guard !open.isEmpty, open.allSatisfy({ found[pass.subjobs[$0].subrun] != nil }) else { return false }
        let states = try await backend.status(of: open.compactMap { found[pass.subjobs[$0].subrun] })
        let alive = states.values.allSatisfy { state in
            switch state.kind {
            case .queued, .running, .held, .suspended: true
            case .completed: state.isSuccess
            default: false
            }
        }
        guard alive else { return false }
        for s in open {
            let subrun = pass.subjobs[s].subrun
            guard let record = records.first(where: { $0.subrun == subrun }), let id = found[subrun] else { return false }
            pass.subjobs[s].status = .submitted
            pass.subjobs[s].backendID = id.rawValue
            pass.subjobs[s].backendName = record.backendName
            if let directory = record.directory { pass.subjobs[s].extra["directory"] = .string(directory) }
        }
        pass.site = site
        pass.notBefore = nil
        pass.abandoned = pass.abandoned.filter { $0.site != site }
        try pass.transition(
            to: .submitted, at: now(), site: site, epoch: authority.epoch,
            reason: "taken back by \(site): the batch jobs of attempt \(pass.attempts) outlived the reset")
        return true
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
