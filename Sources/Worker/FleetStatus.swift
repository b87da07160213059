import CouchDB
import Foundation
import JSON
import Lease
import Processing

/// What `gasp status` shows: the lease of one scope, every site's heartbeat, the last cycle.
///
/// It is one read, so ages come from the documents' wall-clock times against this machine's
/// clock: fine for people, and never what a worker judges expiry by.
public struct FleetStatus: Sendable {
    /// One site as the status shows it.
    public struct Site: Sendable, Hashable {
        /// The site's document.
        public var document: SiteDocument
        /// Seconds since its last heartbeat, by the wall clocks; nil without one.
        public var heartbeatAge: Double?
        /// `holding`, `standby`, `stopping`, `stopped`, or `stale` when its heartbeat is older
        /// than three intervals; `draining` and `disabled` are shown beside it.
        public var state: String
    }

    /// The lease scope.
    public var scope: String
    /// The lease document, nil when no worker has contended yet.
    public var lease: LeaseDocument?
    /// Seconds since the holder's last renewal (or release), by the wall clocks.
    public var leaseAge: Double?
    /// Every site, by name.
    public var sites: [Site]
    /// The cycle record's last entry.
    public var lastCycle: JSONValue?
    /// How many cycles the record counts.
    public var cycles: Int
    /// Passes in each site's batch system (submitted or running), by site.
    public var activePasses: [String: Int] = [:]
    /// Batch jobs of reset passes still to be cancelled at their site, by site.
    public var abandonedJobs: [String: Int] = [:]
    /// What is wrong with the fleet, for people and monitoring (empty when nothing is).
    public var problems: [Problem] = []

    /// Something wrong with the fleet that an operator should look at.
    public struct Problem: Sendable, Hashable {
        /// What kind of problem: `stranded_passes` (passes at a site nobody follows), `abandoned_jobs`
        /// (batch jobs of reset passes not yet cancelled), `fenced_writes` (a worker acted after
        /// losing the lease), `duplicate_worker` (two workers under one site name),
        /// `site_down` (an enabled site stopped or not heartbeating).
        public var kind: String
        /// The site concerned.
        public var site: String
        /// What is wrong, in a sentence.
        public var message: String
    }

    /// Reads the status of `scope` in `database` as of `now`.
    public static func read(database: CouchDatabase, scope: String, now: Date = Date()) async throws -> FleetStatus {
        let lease = try await database.getIfExists(LeaseDocument.id(scope: scope)).map { try LeaseDocument(json: $0) }
        let rows = try await database.allDocs(.prefix("site:", includeDocs: true)).rows
        var sites: [Site] = []
        for row in rows {
            guard let json = row.doc else { continue }
            let document = try SiteDocument(json: json)
            let age = document.heartbeat.flatMap(parseTime).map { now.timeIntervalSince($0) }
            var state = document.state.rawValue
            if document.state != .stopped, let age, age > max(1, document.heartbeatSeconds) * 3 { state = "stale" }
            sites.append(Site(document: document, heartbeatAge: age, state: state))
        }
        let record = try await CycleRecord(database: database, scope: scope).read()
        let leaseAge = (lease?.renewed ?? lease?.acquired).flatMap(parseTime).map { now.timeIntervalSince($0) }
        var status = FleetStatus(
            scope: scope, lease: lease, leaseAge: leaseAge, sites: sites, lastCycle: record?["last"],
            cycles: record?["count"]?.intValue ?? 0)
        for row in try await database.view("passes", "active_by_site", ViewQuery(reduce: true, groupLevel: 1)).rows {
            guard let site = row.key.arrayValue?.first?.stringValue else { continue }
            status.activePasses[site] = row.value.intValue ?? 0
        }
        for row in try await database.view("passes", "abandoned_by_site", ViewQuery(reduce: nil)).rows {
            guard let site = row.key.arrayValue?.first?.stringValue else { continue }
            status.abandonedJobs[site, default: 0] += 1
        }
        status.problems = status.findProblems(now: now)
        return status
    }

    /// The problems the documents show at `now`.
    func findProblems(now: Date) -> [Problem] {
        var problems: [Problem] = []
        let byName = Dictionary(sites.map { ($0.document.name, $0) }, uniquingKeysWith: { a, _ in a })
        for (name, count) in activePasses.sorted(by: { $0.key < $1.key }) where count > 0 {
            let passes = count == 1 ? "1 pass" : "\(count) passes"
            guard let site = byName[name] else {
                problems.append(Problem(kind: "stranded_passes", site: name, message: "\(passes) submitted or running at \(name), which has no site document: nobody follows them"))
                continue
            }
            if site.state == "stale" || site.state == "stopped" {
                let age = site.heartbeatAge.map { " (last heartbeat \(Self.duration($0)) ago)" } ?? ""
                problems.append(Problem(kind: "stranded_passes", site: name, message: "\(passes) submitted or running at \(name), whose worker is \(site.state)\(age): they are reset after \(Int(site.document.deadAfterSeconds)) s without a heartbeat"))
                continue
            }
            // A live site follows its passes every cycle; three cycles (at least a minute) without is a stall.
            let bound = max(60, 3 * (site.document.cycleSeconds ?? 30))
            let monitoredAge = site.document.monitored.flatMap(parseTime).map { now.timeIntervalSince($0) }
            if (monitoredAge ?? .infinity) > bound {
                let when = monitoredAge.map { "for \(Self.duration($0))" } ?? "ever"
                problems.append(Problem(kind: "stranded_passes", site: name, message: "\(passes) submitted or running at \(name), not followed through its batch system \(when)"))
            }
        }
        for (name, count) in abandonedJobs.sorted(by: { $0.key < $1.key }) where count > 0 {
            problems.append(Problem(kind: "abandoned_jobs", site: name, message: "\(count) batch \(count == 1 ? "job" : "jobs") of passes reset while \(name) was away still to be cancelled there (when its worker returns)"))
        }
        for site in sites {
            let name = site.document.name
            if site.document.fencedWrites > 0 {
                let last = site.document.lastFencedWrite
                let detail = last.map { " (last: \($0["document"]?.stringValue ?? "?") at \($0["time"]?.stringValue ?? "?"))" } ?? ""
                problems.append(Problem(kind: "fenced_writes", site: name, message: "\(name)'s worker had \(site.document.fencedWrites) \(site.document.fencedWrites == 1 ? "write" : "writes") refused by the fencing rule: it acted after losing the lease\(detail)"))
            }
            if let other = site.document.extra["other_instance"]?.stringValue,
               let seen = site.document.extra["other_instance_seen"]?.stringValue.flatMap(parseTime),
               now.timeIntervalSince(seen) < max(120, 10 * site.document.heartbeatSeconds) {
                problems.append(Problem(kind: "duplicate_worker", site: name, message: "two workers run under the site name \(name): \(site.document.instance) and \(other)"))
            }
            if site.document.enabled, site.state == "stale" || site.state == "stopped" {
                problems.append(Problem(kind: "site_down", site: name, message: "\(name) is \(site.state) (disable it with `gasp site disable \(name)` if it is gone for good)"))
            }
        }
        return problems
    }

    static func duration(_ seconds: Double) -> String {
        seconds < 120 ? String(format: "%.0f s", seconds) : seconds < 7200 ? String(format: "%.0f min", seconds / 60) : String(format: "%.1f h", seconds / 3600)
    }

    /// The status for scripts.
    public var json: JSONValue {
        var leaseJSON: JSONValue = .null
        if let lease {
            leaseJSON = [
                "holder": lease.holder.map { ["site": .string($0.site), "instance": .string($0.instance)] } ?? .null,
                "epoch": .int(lease.epoch), "mode": .string(lease.mode.rawValue), "lease_seconds": .double(lease.leaseSeconds),
                "seconds_since_renewal": leaseAge.map { .double(Self.rounded($0)) } ?? .null,
                "next": lease.next.map(JSONValue.string) ?? .null,
            ]
        }
        return [
            "scope": .string(scope), "lease": leaseJSON, "cycles": .int(cycles), "last_cycle": lastCycle ?? .null,
            "problems": .array(problems.map { ["kind": .string($0.kind), "site": .string($0.site), "message": .string($0.message)] }),
            "sites": .array(sites.map { site in
                [
                    "name": .string(site.document.name), "state": .string(site.state),
                    "heartbeat_age_seconds": site.heartbeatAge.map { .double(Self.rounded($0)) } ?? .null,
                    "draining": .bool(site.document.draining), "enabled": .bool(site.document.enabled),
                    "backend": .string(site.document.backend), "capacity": .int(site.document.capacity),
                    "host": .string(site.document.host), "pid": .int(site.document.pid), "version": .string(site.document.version),
                    "active_passes": .int(activePasses[site.document.name] ?? 0), "fenced_writes": .int(site.document.fencedWrites),
                    "monitored": site.document.monitored.map(JSONValue.string) ?? .null,
                ]
            }),
        ]
    }

    /// The status for people: the lease in a sentence, then a table of sites.
    public var table: String {
        var lines: [String] = []
        if let lease {
            let age = leaseAge.map { String(format: "%.1f s ago", $0) } ?? "at an unknown time"
            if let holder = lease.holder {
                lines.append("lease:\(scope)  held by \(holder.site) (\(holder.instance)), epoch \(lease.epoch), \(lease.mode.rawValue) mode, \(Self.seconds(lease.leaseSeconds)) s lease, renewed \(age)")
                if let leaseAge, leaseAge > lease.leaseSeconds * 1.05 {
                    lines.append("  the holder has not renewed for longer than the lease: a standby site should take over")
                }
            } else {
                lines.append("lease:\(scope)  free, epoch \(lease.epoch), \(lease.mode.rawValue) mode, released \(age)" + (lease.next.map { ", next turn: \($0)" } ?? ""))
            }
        } else {
            lines.append("lease:\(scope)  never taken (no worker has started)")
        }
        if let last = lastCycle {
            lines.append("last cycle: \(last["site"]?.stringValue ?? "?") at epoch \(last["epoch"]?.intValue ?? 0), finished \(last["finished"]?.stringValue ?? "?") (\(cycles) \(cycles == 1 ? "cycle" : "cycles") in all)")
        }
        lines.append("")
        let header = ["SITE", "STATE", "HEARTBEAT", "ACTIVE", "BACKEND", "CAPACITY", "HOST", "PID", "VERSION"]
        var rows = [header]
        for site in sites {
            var state = site.state
            if site.document.draining { state += ",draining" }
            if !site.document.enabled { state += ",disabled" }
            rows.append([
                site.document.name, state, site.heartbeatAge.map { String(format: "%.1f s ago", $0) } ?? "never",
                "\(activePasses[site.document.name] ?? 0)", site.document.backend, "\(site.document.capacity)", site.document.host, "\(site.document.pid)", site.document.version,
            ])
        }
        if sites.isEmpty { rows.append(["(no sites)", "", "", "", "", "", "", "", ""]) }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            lines.append(row.indices.map { row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces))
        }
        lines.append("")
        if problems.isEmpty {
            lines.append("no problems found")
        } else {
            lines.append("PROBLEMS (\(problems.count)):")
            for problem in problems { lines.append("  \(problem.kind): \(problem.message)") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func rounded(_ value: Double) -> Double { (value * 10).rounded() / 10 }
    static func seconds(_ value: Double) -> String { value == value.rounded() ? "\(Int(value))" : "\(value)" }
}

private func parseTime(_ text: String) -> Date? { SiteLiveness<ContinuousClock.Instant>.parse(text) }
