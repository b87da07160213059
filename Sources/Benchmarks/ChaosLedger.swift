import Foundation
import Processing

/// What physically ran in `gasp bench chaos`: every batch job appends `start a<attempt> <unix
/// time>` to the ledger file of its (run, subrun) when it begins and `end a<attempt> <unix
/// time>` when its work is done, so executions are counted from the world, not from the
/// bookkeeping.
struct ChaosLedger: Sendable {
    /// The directory of the ledger files.
    let directory: URL

    /// One ledger line.
    struct Line: Sendable, Hashable {
        /// `start` or `end`.
        var isStart: Bool
        var attempt: Int
        /// Unix time the line was written.
        var time: Date
        var text: String
    }

    /// The ledger file of (run, subrun).
    func file(run: Int, subrun: Int) -> URL { directory.appendingPathComponent("P_\(run)_\(subrun)") }

    /// The ledger lines of (run, subrun), oldest first; lines that do not parse are skipped.
    func lines(run: Int, subrun: Int) -> [Line] {
        guard let text = try? String(contentsOf: file(run: run, subrun: subrun), encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ")
            guard parts.count >= 3, parts[0] == "start" || parts[0] == "end", parts[1].hasPrefix("a"),
                  let attempt = Int(parts[1].dropFirst()), let seconds = Double(parts[2]) else { return nil }
            return Line(isStart: parts[0] == "start", attempt: attempt, time: Date(timeIntervalSince1970: seconds), text: String(line))
        }
    }

    /// When every subjob of `pass` that is still submitted or running (every subjob, when none
    /// is) wrote `end` for the pass's current attempt: the latest of those times, nil while one
    /// has not.
    func ended(run: Int, pass: Pass) -> Date? {
        let open = pass.subjobs.filter { $0.status == .submitted || $0.status == .running }
        var latest: Date?
        for subjob in open.isEmpty ? pass.subjobs : open {
            guard let end = lines(run: run, subrun: subjob.subrun ?? 0).last(where: { !$0.isStart && $0.attempt == pass.attempts })
            else { return nil }
            latest = max(latest ?? end.time, end.time)
        }
        return latest
    }

    /// Executions of (run, subrun) and how many of them no recorded retry or reset explains.
    ///
    /// A pass may run a subjob once, and once more for every time its history sends it back to
    /// `waiting` from `submitted` or `running` (a retry, a reset). Two starts of one attempt are
    /// always a repeat; so is any start beyond what the history allows.
    func executions(run: Int, subrun: Int, pass: Pass) -> (starts: Int, repeats: Int) {
        let starts = lines(run: run, subrun: subrun).filter(\.isStart)
        let intended = 1 + pass.history.filter { $0.to == .waiting && ($0.from == .submitted || $0.from == .running) }.count
        let perAttempt = Dictionary(grouping: starts, by: \.attempt).values.reduce(0) { $0 + max(0, $1.count - 1) }
        return (starts.count, max(perAttempt, starts.count - intended, 0))
    }
}
