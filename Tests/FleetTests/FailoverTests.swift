import CouchDB
import Foundation
import JSON
import Lease
import Processing
import Testing
import TestSupport

/// Three real `gasp worker` processes in hold mode: the holder killed, paused, or shut down.
@Suite("Fleet: failover between real worker processes", .serialized, .timeLimit(.minutes(2)))
struct FailoverTests {
    static let sites = ["site-a", "site-b", "site-c"]
    static let hold = ["lease: {scope: processing, seconds: 3, mode: hold}", "heartbeat_seconds: 0.5", "cycle_seconds: 0.2"]

    @Test("SIGKILL the holder: another site takes over within the lease bound, with the next epoch")
    func killedHolderIsReplaced() async throws {
        try await withFleet(sites: Self.sites, worker: Self.hold) { fleet, _ in
            let first = try await fleet.waitForHolder(within: 30)
            let victim = fleet.worker(first.holder!.site)
            let killedAt = ContinuousClock.now
            victim.signal(SIGKILL)
            let next = try await fleet.waitForHolder(within: 15, excluding: first.holder)
            let takeover = killedAt.duration(to: .now)
            #expect(next.epoch == first.epoch + 1)
            #expect(next.holder?.site != first.holder?.site)
            // The bound: the lease × (1 + drift margin + one poll) after the last renewal seen,
            // plus a second for two busy cores.
            #expect(takeover < .seconds(3 * 1.15 + 1), "takeover took \(takeover)")
            // The survivors' logs saw the holder go quiet and the new one acquire.
            let winner = fleet.worker(next.holder!.site)
            #expect(await eventually(within: 5) { !winner.lines("lease acquired").isEmpty })
            #expect(winner.lines("lease acquired").last?["epoch"]?.stringValue == "\(next.epoch)")
        }
    }

    @Test("SIGSTOP the holder beyond its lease: it is replaced; on SIGCONT it notices, and its epoch's writes are refused")
    func pausedHolderIsFenced() async throws {
        try await withFleet(sites: Self.sites, worker: Self.hold) { fleet, couch in
            let first = try await fleet.waitForHolder(within: 30)
            let paused = fleet.worker(first.holder!.site)
            // Wait for a cycle of the first holding, so the record carries its epoch.
            #expect(await eventually(within: 10) { await fleet.cycleRecord()?["epoch"]?.intValue == Int(first.epoch) })
            paused.signal(SIGSTOP)
            let next = try await fleet.waitForHolder(within: 15, excluding: first.holder)
            #expect(next.epoch == first.epoch + 1)
            // The new holder's cycle writes the record with its epoch.
            #expect(await eventually(within: 10) { await fleet.cycleRecord()?["epoch"]?.intValue == Int(next.epoch) })

            paused.signal(SIGCONT)
            #expect(await eventually(within: 10) {
                paused.lines("lease lost").contains { $0["epoch"]?.stringValue == "\(first.epoch)" }
            }, "the resumed holder did not report the loss:\n\(paused.output.suffix(3000))")
            #expect(await fleet.waitForState(.standby, of: paused.site, within: 10))

            // A write the old holder makes with its epoch is refused by the fencing rule.
            var stale = try #require(await fleet.cycleRecord())
            stale["epoch"] = .int(first.epoch)
            stale["last"] = ["site": .string(paused.site), "epoch": .int(first.epoch)]
            let error = await #expect(throws: CouchError.self) { _ = try await fleet.database.put(stale) }
            #expect(error?.status == 403)
            #expect(error?.reason == "epoch \(first.epoch) is lower than current epoch \(next.epoch)")
            // And it did not finish a cycle with the old epoch after the loss.
            let lostAt = paused.lines("lease lost").first { $0["epoch"]?.stringValue == "\(first.epoch)" }?["time"]?.stringValue ?? ""
            let lateCycles = paused.lines("cycle finished").filter {
                $0["epoch"]?.stringValue == "\(first.epoch)" && ($0["time"]?.stringValue ?? "") > lostAt
            }
            #expect(lateCycles.isEmpty)
            _ = couch
        }
    }

    @Test("SIGTERM the holder: it stops its cycle, releases the lease keeping the epoch, says stopped, exits 0")
    func gracefulShutdownReleases() async throws {
        try await withFleet(sites: ["site-a", "site-b"], worker: Self.hold) { fleet, _ in
            let first = try await fleet.waitForHolder(within: 30)
            let holder = fleet.worker(first.holder!.site)
            // `gasp worker` became the slim `gasp-worker` in the process that was started.
            let image = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(holder.pid)/exe")
            #expect(image.hasSuffix("/gasp-worker"), "the worker runs \(image)")
            #expect(await fleet.siteDocument(holder.site)?.pid == Int(holder.pid))
            holder.signal(SIGTERM)
            #expect(try await holder.waitForExit(timeout: 10) == 0)
            #expect(!holder.lines("lease released").isEmpty)
            #expect(await fleet.siteDocument(holder.site)?.state == .stopped)
            // The standby takes the released lease at once, with the next epoch.
            let next = try await fleet.waitForHolder(within: 5, excluding: first.holder)
            #expect(next.epoch == first.epoch + 1)
            #expect(next.lastHolders.contains { $0.epoch == first.epoch && $0.released != nil })
        }
    }
}
