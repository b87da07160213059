import Foundation
import JSON
import Processing
import Testing

@Suite("Documents")
struct DocumentTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("ids are padded to 10 digits and prefixed by their type")
    func ids() {
        #expect(JobDocument.id(module: "Processing", run: 100) == "job:Processing:0000000100")
        #expect(DataDocument.id(module: "Processing", run: 100, pass: 2, dataType: "ratds") == "data:Processing:0000000100:2:ratds")
        #expect(RunDocument.id(run: 7) == "run:0000000007")
        #expect(CalibrationLock.id(kind: "PCA") == "calibration_lock:PCA")
        #expect(ModuleCatalogue.id(version: "7.0.9") == "catalogue:7.0.9")
        #expect(SwitchDocument.id(name: "auto_processing") == "switch:auto_processing")
        #expect(RunNumber.padded(0) == "0000000000")
        #expect(RunNumber.padded(RunNumber.maximum) == "9999999999")
        #expect(RunNumber.padded(12_345_678_901) == "12345678901")
        #expect(RunNumber.padded(-5) == "00000000-5")
    }

    @Test("a job round-trips with the member names the views read, keeping unknown members")
    func jobRoundTrip() throws {
        var job = JobDocument(module: "Processing", run: 100, runType: "Physics")
        var pass = Pass(pass: 1, version: "7.0.9", conditionsTag: "tag1", priority: 5, created: Self.t0, labels: ["spring"],
                        prerequisites: [PrerequisiteLink(module: "X", pass: 2)], subjobs: [Subjob(subrun: 0), Subjob(subrun: 1)],
                        inputKind: "L2", requestID: "r-1")
        try pass.transition(to: .submitted, at: Self.t0, site: "site-a", epoch: 4, reason: "claimed")
        pass.site = "site-a"
        pass.subjobs[0].backendID = "123"
        pass.subjobs[0].cpuSeconds = 12.5
        job.passes = [pass]
        job.epoch = 4
        var json = job.json
        json["note"] = "by hand"
        json["_rev"] = "2-x"
        #expect(json["type"] == "job")
        #expect(json["run"] == 100)
        #expect(json["passes"]?[0]?["status"] == "submitted")
        #expect(json["passes"]?[0]?["site"] == "site-a")
        #expect(json["passes"]?[0]?["priority"] == 5)
        #expect(json["passes"]?[0]?["created"] == "2027-01-15T08:00:00.000Z")
        #expect(json["passes"]?[0]?["history"]?[1]?["epoch"] == 4)
        #expect(json["passes"]?[0]?["subjobs"]?[1]?["subrun"] == 1)
        #expect(json["passes"]?[0]?["prerequisites"]?[0]?["module"] == "X")
        let read = try JobDocument(json: json)
        #expect(read.rev == "2-x")
        #expect(read.passes == job.passes)
        #expect(read.json["note"] == "by hand")
        #expect(read.epoch == 4)
        #expect(read.nextPassNumber == 2)
    }

    @Test("a job's JSON text is written directly: unknown members follow the known ones, which they cannot replace")
    func jobText() throws {
        var job = JobDocument(module: "Analysis", run: 7, runType: nil)
        var pass = Pass(pass: 2, version: "v", created: Self.t0, prerequisites: [PrerequisiteLink(module: "Processing", pass: 1)],
                        subjobs: [Subjob(subrun: nil)], requestID: nil)
        pass.extra = ["status": "bogus", "pass_note": "p"]
        pass.subjobs[0].extra = ["exit_code": 3, "sub_note": 1.5]
        pass.subjobs[0].cpuSeconds = 2
        pass.request = ["campaign": "c"]
        job.passes = [pass]
        job.rev = "1-a"
        job.extra = ["type": "other", "note": "kept"]
        let json = job.json
        #expect(job.serializedJSON == json.serializedBytes())
        #expect(json.objectValue.map { Array($0.keys) } == ["_id", "_rev", "type", "module", "run", "run_type", "passes", "note"])
        #expect(json["type"] == "job")
        #expect(json["run_type"] == .null)
        #expect(json["note"] == "kept")
        #expect(json["passes"]?[0]?["status"] == "waiting")
        #expect(json["passes"]?[0]?["pass_note"] == "p")
        #expect(json["passes"]?[0]?["request"]?["campaign"] == "c")
        #expect(json["passes"]?[0]?["request_id"] == nil)
        #expect(json["passes"]?[0]?["subjobs"]?[0]?["subrun"] == .null)
        #expect(json["passes"]?[0]?["subjobs"]?[0]?["exit_code"] == .null)
        #expect(json["passes"]?[0]?["subjobs"]?[0]?["cpu_seconds"] == 2)
        #expect(json["passes"]?[0]?["subjobs"]?[0]?["sub_note"] == 1.5)
        #expect(json["passes"]?[0]?["history"]?[0]?["from"] == .null)
        #expect(json["passes"]?[0]?["history"]?[0]?["epoch"] == .null)
        #expect(try JobDocument(json: json).json == json)
    }

    @Test("a job member of the wrong shape is reported with the document id and key path")
    func malformedJob() {
        let json: JSONValue = ["_id": "job:P:0000000001", "type": "job", "module": "P", "run": 1,
                               "passes": [["pass": 1, "status": "waiting"], ["pass": 2, "status": "sleeping"]]]
        #expect(throws: DocumentError(.malformed, id: "job:P:0000000001", key: "passes.1.status", "unknown status sleeping")) {
            try JobDocument(json: json)
        }
        let mismatched: JSONValue = ["_id": "job:P:0000000002", "type": "job", "module": "P", "run": 1]
        #expect(throws: DocumentError.self) { try JobDocument(json: mismatched) }
    }

    @Test("run, data, lock and switch documents round-trip")
    func others() throws {
        var run = RunDocument(run: 5, runType: "PCA", start: "2026-01-01T00:00:00Z", complete: true, subfiles: 3, processingStatus: .failed)
        run.failureReason = "x"
        run.failureCount = 2
        #expect(try RunDocument(json: run.json) == run)
        #expect(run.json["processing_status"] == "failed")
        let data = DataDocument(module: "P", run: 5, pass: 1, dataType: "ratds", version: "v", labels: ["a"],
                                files: [DataDocument.File(subrun: 0, name: "f", size: 10, adler32: "0a0b0c0d", location: "srm://x", events: 100)])
        #expect(try DataDocument(json: data.json) == data)
        var lock = CalibrationLock(kind: "PCA", run: 5, setTime: "t")
        lock.release(validTo: 9, at: "u")
        #expect(try CalibrationLock(json: lock.json) == lock)
        let flag = SwitchDocument(name: "auto_processing", enabled: false, reason: "maintenance")
        #expect(try SwitchDocument(json: flag.json) == flag)
        #expect(flag.json["type"] == "switch")
    }
}
