import CouchDB
@testable import Enqueue
import Foundation
import JSON
import Processing
import Testing
import TestSupport

@Suite("Enqueue: reprocessing modes against the store")
struct ReprocessingTests {
    typealias F = EnqueueFixture

    @Test("-R creates a pass per (run, module); the same request again creates nothing; another request adds pass 2")
    func range() async throws {
        try await F.withDatabase { db in
            try await F.register(db, Array(1...20), types: [5: "PCA", 6: "Maintenance"])
            let creator = F.creator(db)
            let first = try await creator.enqueue(F.spec, selection: .range(3, 12))
            #expect(first.created.count == 17)
            #expect(first.skipped.contains { $0.run == 6 })
            let analysis = try #require(try await F.job(db, "Analysis", 4))
            #expect(analysis.passes.count == 1)
            #expect(analysis.passes[0].prerequisites == [PrerequisiteLink(module: "Processing", pass: 1)])
            #expect(try await F.job(db, "Processing", 4)?.passes[0].subjobs.count == 2)
            #expect(try await F.job(db, "Processing", 2) == nil)

            let again = try await creator.enqueue(F.spec, selection: .range(3, 12))
            #expect(again.created.isEmpty)
            #expect(again.alreadyCreated == 17)

            let other = try await creator.enqueue(F.spec, selection: .runs([4, 5]))
            #expect(other.created.map(\.outlistLine).sorted() == ["Analysis 4 2", "PCACalibration 5 2", "Processing 4 2"])
            let updated = try #require(try await F.job(db, "Analysis", 4))
            #expect(updated.passes.map(\.pass) == [1, 2])
            #expect(updated.passes[1].prerequisites == [PrerequisiteLink(module: "Processing", pass: 2)])
            #expect(try await F.jobCount(db) == 17)
        }
    }

    @Test("-A takes every registered run from RUN on; -1 and -L exact lists")
    func afterAndLists() async throws {
        try await F.withDatabase { db in
            try await F.register(db, [10, 11, 12, 40])
            let creator = F.creator(db)
            let after = try await creator.enqueue(EnqueueSpec(version: "7.0.9", inputKind: "L2", modules: ["Processing"]), selection: .after(11))
            #expect(after.created.map(\.run) == [11, 12, 40])
            let listed = try await creator.enqueue(F.spec, selection: .runs([12, 10]))
            #expect(Set(listed.created.map(\.run)) == [10, 12])
            #expect(try await F.job(db, "Processing", 12)?.passes.count == 2)
        }
    }

    @Test("bad input writes nothing: unregistered runs, an unknown module, a reversed range, a missing prerequisite, no run type")
    func badInput() async throws {
        try await F.withDatabase { db in
            try await F.register(db, [1, 2])
            _ = try await db.put(["_id": "run:0000000003", "type": "run", "run": 3, "complete": true, "subfiles": 1])
            let creator = F.creator(db)
            func problems(_ spec: EnqueueSpec, _ selection: RunSelection) async -> [InputProblem] {
                do {
                    _ = try await creator.enqueue(spec, selection: selection)
                    return []
                } catch let error as EnqueueError {
                    return error.problems
                } catch {
                    return [InputProblem(.invalidValue, source: "?", key: nil, "\(error)")]
                }
            }
            let unregistered = await problems(F.spec, .runs([1, 2, 99, 98]))
            #expect(unregistered.map(\.description) == ["run:0000000098: run 98 is not registered (gasp runs add)", "run:0000000099: run 99 is not registered (gasp runs add)"])
            #expect(await problems(EnqueueSpec(version: "7.0.9", inputKind: "L2", modules: ["Analysis", "Procesing"]), .runs([1])).map(\.code) == [.unknownModule])
            #expect(await problems(F.spec, .range(2, 1)).map(\.code) == [.reversedRange])
            #expect(await problems(EnqueueSpec(version: "7.0.9", inputKind: "L2", modules: ["Analysis"]), .runs([1, 2])).map(\.code) == [.missingPrerequisite, .missingPrerequisite])
            #expect(await problems(F.spec, .runs([1, 3])).map(\.code) == [.noRunType])
            #expect(await problems(EnqueueSpec(version: "7.0.9", inputKind: "L7"), .runs([1])).map(\.code) == [.invalidValue])
            #expect(try await F.jobCount(db) == 0)
        }
    }

    @Test("--dry-run plans everything and writes nothing")
    func dryRun() async throws {
        try await F.withDatabase { db in
            try await F.register(db, [1, 2])
            let outcome = try await F.creator(db).enqueue(F.spec, selection: .range(1, 2), dryRun: true)
            #expect(outcome.dryRun)
            #expect(outcome.created.count == 4)
            #expect(outcome.jobs.count == 4)
            #expect(try await F.jobCount(db) == 0)
        }
    }

    @Test("-f attaches an existing prerequisite pass; --force-prereq-pass pins one; -t and labels are recorded")
    func prerequisites() async throws {
        try await F.withDatabase { db in
            try await F.register(db, [1])
            let creator = F.creator(db)
            _ = try await creator.enqueue(EnqueueSpec(version: "7.0.9", inputKind: "L2", modules: ["Processing"]), selection: .runs([1]))
            _ = try await creator.enqueue(EnqueueSpec(version: "7.0.9", inputKind: "L2", modules: ["Processing"], conditionsTag: "frozen"), selection: .runs([1]))
            var spec = EnqueueSpec(version: "7.0.9", inputKind: "L2", modules: ["Analysis"], labels: ["spring"], findPrerequisite: .newest)
            _ = try await creator.enqueue(spec, selection: .runs([1]))
            spec.findPrerequisite = nil
            spec.forcedPrerequisites = ["Processing": 1]
            spec.requestID = "pinned"
            _ = try await creator.enqueue(spec, selection: .runs([1]))
            let analysis = try #require(try await F.job(db, "Analysis", 1))
            #expect(analysis.passes.map { $0.prerequisites } == [[PrerequisiteLink(module: "Processing", pass: 2)], [PrerequisiteLink(module: "Processing", pass: 1)]])
            #expect(analysis.passes[0].labels == ["spring"])
            #expect(analysis.passes[1].requestID == "pinned")
            #expect(try await F.job(db, "Processing", 1)?.passes[1].conditionsTag == "frozen")
        }
    }

    @Test("a job written by someone else in between (409) is read again and the pass goes after theirs, its dependant linked to it")
    func conflict() async throws {
        try await F.withDatabase { db in
            try await F.register(db, [1, 2])
            var creator = F.creator(db)
            let interfered = Flag()
            creator.beforeJobWrite = { ids in
                guard ids.contains("job:Processing:0000000001"), interfered.setOnce() else { return }
                var other = JobDocument(module: "Processing", run: 1, runType: "Physics")
                other.passes = [Pass(pass: 1, version: "7.0.8", created: Date())]
                _ = try await db.put(other.json)
            }
            let outcome = try await creator.enqueue(F.spec, selection: .range(1, 2))
            #expect(outcome.failures.isEmpty)
            #expect(outcome.created.count == 4)
            let processing = try #require(try await F.job(db, "Processing", 1))
            #expect(processing.passes.map(\.version) == ["7.0.8", "7.0.9"])
            #expect(try await F.job(db, "Analysis", 1)?.passes[0].prerequisites == [PrerequisiteLink(module: "Processing", pass: 2)])
            #expect(outcome.created.contains(.init(module: "Processing", run: 1, pass: 2)))
        }
    }

    @Test("documents that cannot be written are reported one by one, and a rerun writes exactly those")
    func partialWrite() async throws {
        try await F.withDatabase { db in
            try await F.register(db, [1, 2, 3])
            var creator = F.creator(db)
            creator.maxConflictRetries = 1
            // Someone keeps rewriting run 2's Processing job: every attempt conflicts.
            creator.beforeJobWrite = { ids in
                guard ids.contains("job:Processing:0000000002") else { return }
                let current = try await db.getIfExists("job:Processing:0000000002")
                var other = JobDocument(module: "Processing", run: 2, runType: "Physics")
                other.rev = current?["_rev"]?.stringValue
                other.extra["touched"] = .string(UUID().uuidString)
                _ = try await db.put(other.json)
            }
            let outcome = try await creator.enqueue(F.spec, selection: .range(1, 3))
            #expect(outcome.failures.map(\.id) == ["job:Processing:0000000002"])
            #expect(Set(outcome.created.map(\.run)) == [1, 3], "run 2's Analysis waits for its Processing")
            #expect(try await F.job(db, "Analysis", 2) == nil)

            let rerun = try await F.creator(db).enqueue(F.spec, selection: .range(1, 3))
            #expect(rerun.created.map(\.outlistLine) == ["Processing 2 1", "Analysis 2 1"])
            #expect(rerun.alreadyCreated == 4)
        }
    }

    @Test("fencing: a stale epoch is refused with .fenced; without an epoch the document's own is kept")
    func fencing() async throws {
        try await F.withDatabase { db in
            try await F.register(db, [1, 2])
            var fenced = JobDocument(module: "Processing", run: 1, runType: "Physics")
            fenced.epoch = 5
            _ = try await db.put(fenced.json)
            await #expect {
                _ = try await F.creator(db, epoch: 4).enqueue(F.spec, selection: .runs([1]))
            } throws: { ($0 as? EnqueueError)?.code == .fenced }
            _ = try await F.creator(db).enqueue(F.spec, selection: .runs([1]))
            #expect(try await F.job(db, "Processing", 1)?.epoch == 5)
            #expect(try await F.job(db, "Processing", 1)?.passes.count == 1)
            _ = try await F.creator(db, epoch: 9).enqueue(F.spec, selection: .runs([2]))
            #expect(try await F.job(db, "Analysis", 2)?.epoch == 9)
            #expect(try await F.job(db, "Analysis", 2)?.passes[0].history[0].epoch == 9)
        }
    }
}

/// A flag set once, across tasks.
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var set = false
    /// Whether it was set.
    var isSet: Bool {
        lock.lock()
        defer { lock.unlock() }
        return set
    }

    /// True the first time only.
    func setOnce() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if set { return false }
        set = true
        return true
    }
}
