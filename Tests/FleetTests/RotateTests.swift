import CouchDB
import Foundation
import JSON
import Lease
import Testing
import TestSupport

/// Three real `gasp worker` processes in rotate mode.
@Suite("Fleet: rotate mode", .serialized, .timeLimit(.minutes(2)))
struct RotateTests {
    @Test("every live site takes a turn, in order, each turn one epoch above the last")
    func turnsGoRoundInOrder() async throws {
        let settings = ["lease: {scope: processing, seconds: 3, mode: rotate}", "heartbeat_seconds: 0.3", "cycle_seconds: 0.2"]
        try await withFleet(sites: ["site-a", "site-b", "site-c"], worker: settings) { fleet, _ in
            // Once every site has seen the others beat, the turns settle into the order.
            let settled = await eventually(within: 45) {
                let turns = await Self.turns(fleet)
                return turns.count >= 9 && Self.isRoundRobin(turns.suffix(9))
            }
            let turns = await Self.turns(fleet).suffix(9)
            #expect(settled, "turns: \(turns)")
            #expect(Set(turns.map(\.site)) == ["site-a", "site-b", "site-c"])
            let epochs = turns.map(\.epoch)
            #expect(zip(epochs, epochs.dropFirst()).allSatisfy { $1 == $0 + 1 })
        }
    }

    struct Turn: Sendable, CustomStringConvertible {
        let site: String
        let epoch: Int
        var description: String { "\(site)@\(epoch)" }
    }

    /// The cycles in the record, oldest first.
    static func turns(_ fleet: Fleet) async -> [Turn] {
        (await fleet.cycleRecord()?["recent"]?.arrayValue ?? []).compactMap { entry in
            guard let site = entry["site"]?.stringValue, let epoch = entry["epoch"]?.intValue else { return nil }
            return Turn(site: site, epoch: epoch)
        }
    }

    /// Each turn goes to the next site in alphabetical order, wrapping round.
    static func isRoundRobin(_ turns: ArraySlice<Turn>) -> Bool {
        let order = ["site-a", "site-b", "site-c"]
        return zip(turns, turns.dropFirst()).allSatisfy { previous, next in
            guard let index = order.firstIndex(of: previous.site) else { return false }
            return next.site == order[(index + 1) % order.count]
        }
    }
}
