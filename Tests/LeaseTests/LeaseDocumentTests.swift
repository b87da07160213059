import JSON
@testable import Lease
import Testing

@Suite("Lease document: JSON shape and the changes a holder makes")
struct LeaseDocumentTests {
    let siteA = LeaseHolder(site: "site-a", instance: "a.example.org/1/aa")
    let siteB = LeaseHolder(site: "site-b", instance: "b.example.org/2/bb")

    @Test("acquire, renew and release: epoch grows only on acquire, history records each holding")
    func lifecycle() throws {
        let fresh = LeaseDocument(scope: "processing", leaseSeconds: 15, mode: .hold)
        #expect(fresh.id == "lease:processing")
        let first = fresh.acquired(by: siteA, leaseSeconds: 15, mode: .rotate, at: "T1")
        #expect(first.epoch == 1)
        #expect(first.holder == siteA)
        #expect(first.mode == .rotate)
        #expect(first.acquired == "T1" && first.renewed == "T1")
        let renewed = first.renewed(at: "T2")
        #expect(renewed.epoch == 1 && renewed.renewed == "T2" && renewed.acquired == "T1")
        let released = renewed.released(next: "site-b", at: "T3")
        #expect(released.holder == nil)
        #expect(released.epoch == 1)
        #expect(released.next == "site-b")
        #expect(released.lastHolders == [LeaseHistoryEntry(holder: siteA, epoch: 1, acquired: "T1", released: "T3")])
        let second = released.acquired(by: siteB, leaseSeconds: 10, mode: .rotate, at: "T4")
        #expect(second.epoch == 2)
        #expect(second.next == nil)
        #expect(second.leaseSeconds == 10)
        #expect(second.lastHolders.map(\.epoch) == [1, 2])
        #expect(second.lastHolders.last?.released == nil)
    }

    @Test("the history keeps the last holdings only")
    func historyIsBounded() {
        var document = LeaseDocument(scope: "s", leaseSeconds: 5, mode: .hold)
        for round in 0..<25 {
            document = document.acquired(by: round.isMultiple(of: 2) ? siteA : siteB, leaseSeconds: 5, mode: .hold, at: "T\(round)")
        }
        #expect(document.epoch == 25)
        #expect(document.lastHolders.count == LeaseDocument.historyLimit)
        #expect(document.lastHolders.first?.epoch == Int64(25 - LeaseDocument.historyLimit + 1))
        #expect(document.lastHolders.last?.epoch == 25)
    }

    @Test("JSON round trip keeps every field, unknown members, and writes whole lease seconds as integers")
    func roundTrip() throws {
        var document = LeaseDocument(scope: "processing", leaseSeconds: 15, mode: .hold)
            .acquired(by: siteA, leaseSeconds: 15, mode: .hold, at: "2026-11-22T04:00:00.000Z")
        document.rev = "3-abc"
        document.extra = ["note": "kept"]
        let json = document.json
        #expect(json["_id"] == "lease:processing")
        #expect(json["_rev"] == "3-abc")
        #expect(json["type"] == "lease")
        #expect(json["holder"] == ["site": "site-a", "instance": "a.example.org/1/aa"])
        #expect(json["lease_seconds"]?.numberValue?.text == "15")
        #expect(json["next"] == .null)
        #expect(json["note"] == "kept")
        #expect(try LeaseDocument(json: json) == document)

        let fractional = LeaseDocument(scope: "t", leaseSeconds: 1.5, mode: .rotate).json
        #expect(fractional["lease_seconds"]?.numberValue?.text == "1.5")
        #expect(try LeaseDocument(json: fractional).leaseSeconds == 1.5)
    }

    @Test("a read's _conflicts is not carried into the next write")
    func readOnlyMembersDropped() throws {
        var json = LeaseDocument(scope: "p", leaseSeconds: 2, mode: .hold).json
        json["_conflicts"] = ["2-abc"]
        #expect(try LeaseDocument(json: json).json["_conflicts"] == nil)
    }

    @Test("malformed documents are refused with the member named", arguments: [
        (["_id": "job:x", "epoch": 1, "lease_seconds": 5] as JSONValue, "lease:"),
        (["_id": "lease:p", "epoch": "1", "lease_seconds": 5] as JSONValue, "epoch"),
        (["_id": "lease:p", "epoch": -1, "lease_seconds": 5] as JSONValue, "epoch"),
        (["_id": "lease:p", "epoch": 1, "lease_seconds": 0] as JSONValue, "lease_seconds"),
        (["_id": "lease:p", "epoch": 1, "lease_seconds": 5, "mode": "share"] as JSONValue, "mode"),
        (["_id": "lease:p", "epoch": 1, "lease_seconds": 5, "holder": "site-a"] as JSONValue, "holder"),
    ])
    func malformed(json: JSONValue, member: String) {
        #expect {
            try LeaseDocument(json: json)
        } throws: { error in
            guard let error = error as? LeaseError else { return false }
            return error.code == .malformedDocument && error.message.contains(member)
        }
    }

    @Test("a process identity names host and pid and differs between calls")
    func thisProcess() {
        let one = LeaseHolder.thisProcess(site: "site-a")
        let two = LeaseHolder.thisProcess(site: "site-a")
        #expect(one.site == "site-a")
        #expect(one.instance.split(separator: "/").count == 3)
        #expect(one != two)
    }

    @Test("wall-clock stamps are ISO 8601 UTC with milliseconds")
    func wallClock() {
        let stamp = WallClock.now()
        #expect(stamp.count == 24)
        #expect(stamp.hasSuffix("Z"))
        #expect(stamp.hasPrefix("20"))
        #expect(Array(stamp)[10] == "T")
    }
}
