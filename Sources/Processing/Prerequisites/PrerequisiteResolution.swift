/// Whether a pass may start, judged from the passes it depends on.
public enum PrerequisiteState: Sendable, Hashable {
    /// Every prerequisite pass completed.
    case met
    /// Some prerequisite is still to complete (waiting, or active in a batch system).
    case pending([PrerequisiteLink])
    /// Some prerequisite failed for good or does not exist: the pass becomes `unsatisfied`.
    case unsatisfied(reason: String)
}

/// Resolves a pass's prerequisites against the prerequisite passes of the same run.
public enum PrerequisiteResolver {
    /// The state of `pass`'s prerequisites; `lookup` gives the prerequisite pass for a link
    /// (nil when its job or pass does not exist).
    public static func resolve(_ pass: Pass, lookup: (PrerequisiteLink) -> Pass?) -> PrerequisiteState {
        var pending: [PrerequisiteLink] = []
        for link in pass.prerequisites {
            guard let prerequisite = lookup(link) else {
                return .unsatisfied(reason: "prerequisite \(link.module) pass \(link.pass) does not exist")
            }
            if prerequisite.status == .completed { continue }
            if prerequisite.failedForGood {
                let detail = prerequisite.lastError.map { ": \($0)" } ?? ""
                return .unsatisfied(reason: "prerequisite \(link.module) pass \(link.pass) is \(prerequisite.status.rawValue)\(detail)")
            }
            pending.append(link)
        }
        return pending.isEmpty ? .met : .pending(pending)
    }

    /// Resolves every waiting pass of `jobs` (the jobs of one run) and moves those whose
    /// prerequisites failed for good to `unsatisfied`, with the reason, until nothing changes
    /// (a chain A → B → C: C follows B in the same call). Returns the indices (job, pass)
    /// changed.
    @discardableResult
    public static func markUnsatisfied(
        _ jobs: inout [JobDocument], at time: Date, site: String? = nil, epoch: Int64? = nil
    ) -> [(job: Int, pass: Int)] {
        var changed: [(Int, Int)] = []
        var moved = true
        while moved {
            moved = false
            let snapshot = jobs
            func lookup(_ link: PrerequisiteLink) -> Pass? {
                snapshot.first { $0.module == link.module }?.pass(link.pass)
            }
            for j in jobs.indices {
                for p in jobs[j].passes.indices where jobs[j].passes[p].status == .waiting {
                    if case .unsatisfied(let reason) = resolve(jobs[j].passes[p], lookup: lookup) {
                        try? jobs[j].passes[p].transition(to: .unsatisfied, at: time, site: site, epoch: epoch, reason: reason)
                        changed.append((j, p))
                        moved = true
                    }
                }
            }
        }
        return changed
    }
}

import Foundation
