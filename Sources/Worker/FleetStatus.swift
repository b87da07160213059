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
        return FleetStatus(
            scope: scope, lease: lease, leaseAge: leaseAge, sites: sites, lastCycle: record?["last"],
            cycles: record?["count"]?.intValue ?? 0)
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
            "sites": .array(sites.map { site in
                [
                    "name": .string(site.document.name), "state": .string(site.state),
                    "heartbeat_age_seconds": site.heartbeatAge.map { .double(Self.rounded($0)) } ?? .null,
                    "draining": .bool(site.document.draining), "enabled": .bool(site.document.enabled),
                    "backend": .string(site.document.backend), "capacity": .int(site.document.capacity),
                    "host": .string(site.document.host), "pid": .int(site.document.pid), "version": .string(site.document.version),
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
        let header = ["SITE", "STATE", "HEARTBEAT", "BACKEND", "CAPACITY", "HOST", "PID", "VERSION"]
        var rows = [header]
        for site in sites {
            var state = site.state
            if site.document.draining { state += ",draining" }
            if !site.document.enabled { state += ",disabled" }
            rows.append([
                site.document.name, state, site.heartbeatAge.map { String(format: "%.1f s ago", $0) } ?? "never",
                site.document.backend, "\(site.document.capacity)", site.document.host, "\(site.document.pid)", site.document.version,
            ])
        }
        if sites.isEmpty { rows.append(["(no sites)", "", "", "", "", "", "", ""]) }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            lines.append(row.indices.map { row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func rounded(_ value: Double) -> Double { (value * 10).rounded() / 10 }
    static func seconds(_ value: Double) -> String { value == value.rounded() ? "\(Int(value))" : "\(value)" }
}

private func parseTime(_ text: String) -> Date? { SiteLiveness<ContinuousClock.Instant>.parse(text) }
