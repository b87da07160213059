import Foundation
import Synchronization
import Worker

/// The `gasp worker` processes of `gasp bench chaos`, with what the benchmark did to each:
/// killed (down), stopped by it (paused), or armed to be held at its next fail point.
///
/// Every worker runs with `GASP_FAILPOINTS=after-claim=stop,after-submit=stop`, so it stops
/// itself between its claims and its submissions and again before recording the batch ids;
/// ``resumeFailPointStops()`` lets it go on at once unless the benchmark armed that stop.
/// All access to the processes goes through one lock, so a kill, a restart and a resume never
/// cross.
final class ChaosFleet: Sendable {
    struct Member {
        let worker: WorkerChildProcess
        let log: URL
        /// Stopped by the benchmark (a pause, or held at a fail point).
        var paused = false
        /// The next fail-point stop is to be held, not resumed.
        var armed = false
        /// When an armed fail point was reached.
        var heldSince: Date?
        /// Killed and not started again yet.
        var down = false
        /// Since when the worker has run without interruption by the benchmark.
        var runningSince = Date()
    }

    /// The site names, in order.
    let sites: [String]
    private let members: Mutex<[String: Member]>

    /// Workers for `sites`, each configured by `yaml(site)`, logging JSON lines at info level to
    /// `<directory>/<site>.log`.
    init(sites: [String], directory: URL, executable: URL, environment: [String: String], yaml: (String) -> String) throws {
        self.sites = sites
        var members: [String: Member] = [:]
        for site in sites {
            let log = directory.appendingPathComponent("\(site).log")
            let worker = try WorkerChildProcess(
                site: site, yaml: yaml(site), directory: directory, executable: executable, environment: environment,
                logFile: log, logLevel: "info")
            members[site] = Member(worker: worker, log: log)
        }
        self.members = Mutex(members)
    }

    /// The log file of `site`.
    func log(of site: String) -> URL { members.withLock { $0[site]!.log } }

    /// Starts every worker.
    func startAll() throws {
        try members.withLock { members in
            for site in sites {
                try members[site]!.worker.start()
                members[site]!.runningSince = Date()
            }
        }
    }

    /// The process id of `site`'s worker, nil while it is down.
    func pid(of site: String) -> Int32? {
        members.withLock { $0[site].flatMap { $0.down ? nil : $0.worker.pid } }
    }

    /// Whether `site`'s worker runs and is not stopped by the benchmark.
    func isWorking(_ site: String) -> Bool {
        members.withLock { member in member[site].map { !$0.down && !$0.paused && $0.worker.isRunning } ?? false }
    }

    /// Since when `site`'s worker has been running without interruption by the benchmark; nil
    /// while it is down or stopped.
    func runningSince(_ site: String) -> Date? {
        members.withLock { member in member[site].flatMap { $0.down || $0.paused ? nil : $0.runningSince } }
    }

    /// SIGKILLs `site`'s worker and waits until it is gone.
    func kill(_ site: String) {
        members.withLock { members in
            members[site]!.down = true
            members[site]!.paused = false
            members[site]!.armed = false
            members[site]!.heldSince = nil
            members[site]!.worker.signal(SIGKILL)
        }
    }

    /// Starts `site`'s worker again.
    func restart(_ site: String) throws {
        try members.withLock { members in
            try members[site]!.worker.start()
            members[site]!.down = false
            members[site]!.runningSince = Date()
        }
    }

    /// SIGSTOPs `site`'s worker.
    func pause(_ site: String) {
        members.withLock { members in
            members[site]!.paused = true
            members[site]!.worker.signal(SIGSTOP)
        }
    }

    /// SIGCONTs `site`'s worker (paused, or held at a fail point).
    func resume(_ site: String) {
        members.withLock { members in
            members[site]!.worker.signal(SIGCONT)
            members[site]!.paused = false
            members[site]!.armed = false
            members[site]!.heldSince = nil
            members[site]!.runningSince = Date()
        }
    }

    /// Arms `site`'s next fail-point stop to be held.
    func arm(_ site: String) {
        members.withLock { $0[site]!.armed = true }
    }

    /// Disarms `site`; returns when it was held at a fail point, nil when it never got there.
    func disarm(_ site: String) -> Date? {
        members.withLock { members in
            members[site]!.armed = false
            return members[site]!.heldSince
        }
    }

    /// When `site` was held at its armed fail point, nil while it has not got there.
    func heldSince(_ site: String) -> Date? { members.withLock { $0[site]!.heldSince } }

    /// Lets every worker stopped at a fail point go on at once (polling every 5 ms), unless
    /// the benchmark armed that stop: then it is held, for the benchmark to resume. Runs until
    /// the task is cancelled.
    func resumeFailPointStops() async {
        while !Task.isCancelled {
            members.withLock { members in
                for site in sites {
                    guard var member = members[site], !member.down, !member.paused, Self.isStopped(pid: member.worker.pid) else { continue }
                    if member.armed {
                        member.armed = false
                        member.paused = true
                        member.heldSince = Date()
                        members[site] = member
                    } else {
                        member.worker.signal(SIGCONT)
                    }
                }
            }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// SIGCONTs and SIGKILLs every worker.
    func killAll() {
        members.withLock { members in
            for site in sites {
                members[site]!.worker.signal(SIGCONT)
                members[site]!.worker.signal(SIGKILL)
                members[site]!.down = true
            }
        }
    }

    /// Whether process `pid` is stopped (state `T` or `t` in `/proc/<pid>/stat`).
    static func isStopped(pid: Int32) -> Bool {
        guard pid > 0, let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(after: close)...].dropFirst().first
        return state == "T" || state == "t"
    }
}
