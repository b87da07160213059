import CouchDB
import Foundation
import JSON
import Lease
import Processing

extension ProcessingCycle {
    /// Cycle step 7: creates the windows of `schedule` that fell due since the last one created,
    /// each as a job pass of the schedule's module (`job:<module>:<fire yyyyMMddHHmm>`) and a
    /// `window:<name>:<fire>` document. Both ids come from the fire time, so a holder that took
    /// over after a failover creates no window twice: the job is written first and the window
    /// document last, and a window whose job already exists is a 409 that is simply passed.
    func createDueWindows(_ schedule: CycleSettings.Schedule, term: LeaseTerm, counts: inout Counts) async throws {
        let last = try await lastWindowFire(schedule.window.name)
        let due = schedule.window.dueWindows(at: now(), lastCreated: last)
        for var window in due.windows {
            window.epoch = term.epoch
            let run = Self.windowRun(window.fire)
            let request: JSONValue = [
                "window": .string(window.id), "start": .string(Timestamp.string(window.start)),
                "end": .string(Timestamp.string(window.end)), "output_directory": .string(window.outputDirectory),
            ]
            let pass = Pass(
                pass: 1, version: schedule.version, created: now(), subjobs: [Subjob(subrun: nil)], request: request,
                epoch: term.epoch, reason: "window \(window.id) due")
            let job = JobDocument(module: schedule.window.module, run: run, runType: "window", passes: [pass])
            try await createOnce(term.fenced(job.json))
            try await createOnce(term.fenced(window.json))
            counts.add("windows")
        }
    }

    /// Writes a new document; one that exists already (written by this or an earlier holder)
    /// is left as it is.
    func createOnce(_ document: JSONValue) async throws {
        let result = try await database.bulkDocs([document]).first
        if case .rejected(let error, let reason)? = result?.outcome, error != "conflict" {
            if FencedWriteRefused.isFencing(error: error, reason: reason) {
                throw FencedWriteRefused(documentID: result?.id ?? "", epoch: document["epoch"]?.numberValue?.int64Value, reason: reason)
            }
            throw CouchError(code: .forbidden, reason: "\(result?.id ?? ""): \(error): \(reason)", method: "POST", path: "_bulk_docs")
        }
    }

    /// The fire time of the newest window of `schedule` (ids sort by fire time).
    func lastWindowFire(_ schedule: String) async throws -> Date? {
        let prefix = "window:\(schedule):"
        let rows = try await database.allDocs(AllDocsQuery(
            startKey: prefix + "\u{10FFFF}", endKey: prefix, includeDocs: true, limit: 1, descending: true)).rows
        guard let json = rows.first?.doc, let window = try? WindowDocument(json: json) else { return nil }
        return window.fire
    }

    /// The job's run number for a window: its fire time as yyyyMMddHHmm (UTC).
    static func windowRun(_ fire: Date) -> Int {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: fire)
        return (((c.year! * 100 + c.month!) * 100 + c.day!) * 100 + c.hour!) * 100 + c.minute!
    }
}
