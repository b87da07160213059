import Foundation
import JSON
import Processing
import Testing

@Suite("Pass planning")
struct PassPlannerTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    static let catalogue = try! ModuleCatalogue(json: CatalogueTests.good, source: "c")

    static func runs(_ numbers: ClosedRange<Int>, type: String = "Physics", subfiles: Int = 2) -> [RunDocument] {
        numbers.map { RunDocument(run: $0, runType: type, complete: true, subfiles: subfiles) }
    }

    static func planner(_ spec: EnqueueSpec = EnqueueSpec(version: "7.0.9", inputKind: "L2"), epoch: Int64? = nil) -> PassPlanner {
        PassPlanner(catalogue: catalogue, spec: spec, now: t0, epoch: epoch)
    }

    /// The plan's jobs by id, as an existing database would hold them after writing.
    static func written(_ plan: PassPlan, into jobs: [String: JobDocument] = [:]) -> [String: JobDocument] {
        var jobs = jobs
        for job in plan.jobs { jobs[job.id] = job }
        return jobs
    }

    @Test("run type modules, in dependency order, with subjobs per subfile and the prerequisite linked")
    func basic() {
        let plan = Self.planner().plan(runs: Self.runs(10...11), jobs: [:], locks: [], selection: .range(10, 11))
        #expect(plan.problems.isEmpty)
        #expect(plan.created.map(\.outlistLine) == ["Processing 10 1", "Analysis 10 1", "Processing 11 1", "Analysis 11 1"])
        let analysis = plan.jobs.first { $0.id == "job:Analysis:0000000010" }!
        #expect(analysis.passes[0].prerequisites == [PrerequisiteLink(module: "Processing", pass: 1)])
        #expect(analysis.passes[0].subjobs.map(\.subrun) == [nil])
        #expect(analysis.passes[0].maxAttempts == 1)
        let processing = plan.jobs.first { $0.id == "job:Processing:0000000010" }!
        #expect(processing.passes[0].subjobs.map(\.subrun) == [0, 1])
        #expect(processing.passes[0].inputKind == "L2")
        #expect(processing.runType == "Physics")
        #expect(processing.epoch == nil, "no epoch is invented")
    }

    @Test("the same request again creates nothing; a different request adds pass 2 linked to the new pass")
    func idempotent() {
        let planner = Self.planner()
        let first = planner.plan(runs: Self.runs(10...10), jobs: [:], locks: [], selection: .range(10, 10))
        let jobs = Self.written(first)
        let again = planner.plan(runs: Self.runs(10...10), jobs: jobs, locks: [], selection: .range(10, 10))
        #expect(again.created.isEmpty)
        #expect(again.jobs.isEmpty)
        #expect(again.alreadyCreatedCount == 2)
        let other = planner.plan(runs: Self.runs(10...10), jobs: jobs, locks: [], selection: .runs([10]))
        #expect(other.created.map(\.outlistLine) == ["Processing 10 2", "Analysis 10 2"])
        #expect(other.jobs.first { $0.module == "Analysis" }?.passes.last?.prerequisites == [PrerequisiteLink(module: "Processing", pass: 2)])
    }

    @Test("request ids: stable for the same request, different for different runs, versions or modules")
    func requestIDs() {
        let spec = EnqueueSpec(version: "7.0.9", inputKind: "L2")
        #expect(spec.requestID(for: .runs([3, 1, 2, 2])) == spec.requestID(for: .runs([1, 2, 3])))
        #expect(spec.requestID(for: .range(1, 3)) != spec.requestID(for: .runs([1, 2, 3])))
        var tagged = spec
        tagged.conditionsTag = "frozen"
        #expect(tagged.requestID(for: .range(1, 3)) != spec.requestID(for: .range(1, 3)))
        var reprioritised = spec
        reprioritised.priority = 9
        #expect(reprioritised.requestID(for: .range(1, 3)) == spec.requestID(for: .range(1, 3)))
        var forced = spec
        forced.forcedPrerequisites = ["Processing": 2]
        #expect(forced.requestID(for: .range(1, 3)) != spec.requestID(for: .range(1, 3)), "another prerequisite pass is other work")
        #expect(spec.requestID(for: .startRun(5)) == spec.requestID(for: .block(1, 9)), "all sensing shares one id")
        var given = spec
        given.requestID = "campaign-2"
        #expect(given.requestID(for: .range(1, 3)) == "campaign-2")
    }

    @Test("-N with a module whose prerequisite is not in the submission is a problem; -f attaches the newest pass")
    func findPrerequisite() throws {
        var spec = EnqueueSpec(version: "7.0.9", inputKind: "L2", modules: ["Analysis"])
        let missing = Self.planner(spec).plan(runs: Self.runs(10...10), jobs: [:], locks: [], selection: .runs([10]))
        #expect(missing.problems.map(\.code) == [.missingPrerequisite])
        #expect(missing.problems[0].description.contains("Analysis needs Processing"))

        var processing = JobDocument(module: "Processing", run: 10, runType: "Physics")
        processing.passes = [Pass(pass: 1, version: "7.0.8", created: Self.t0), Pass(pass: 2, version: "7.0.9", created: Self.t0),
                             Pass(pass: 3, version: "7.0.8", created: Self.t0)]
        let jobs = [processing.id: processing]
        spec.findPrerequisite = .newest
        let newest = Self.planner(spec).plan(runs: Self.runs(10...10), jobs: jobs, locks: [], selection: .runs([10]))
        #expect(newest.problems.isEmpty)
        #expect(newest.jobs[0].passes[0].prerequisites == [PrerequisiteLink(module: "Processing", pass: 3)])
        spec.findPrerequisite = .newestOfVersion("7.0.9")
        let ofVersion = Self.planner(spec).plan(runs: Self.runs(10...10), jobs: jobs, locks: [], selection: .runs([10]))
        #expect(ofVersion.jobs[0].passes[0].prerequisites == [PrerequisiteLink(module: "Processing", pass: 2)])
        spec.findPrerequisite = .newestOfVersion("6.0")
        let none = Self.planner(spec).plan(runs: Self.runs(10...10), jobs: jobs, locks: [], selection: .runs([10]))
        #expect(none.problems.first?.description.contains("no pass of Processing with version 6.0") == true)

        spec.findPrerequisite = nil
        spec.forcedPrerequisites = ["Processing": 1]
        let forced = Self.planner(spec).plan(runs: Self.runs(10...10), jobs: jobs, locks: [], selection: .runs([10]))
        #expect(forced.jobs[0].passes[0].prerequisites == [PrerequisiteLink(module: "Processing", pass: 1)])
        spec.forcedPrerequisites = ["Processing": 7]
        #expect(Self.planner(spec).plan(runs: Self.runs(10...10), jobs: jobs, locks: [], selection: .runs([10])).problems.count == 1)
    }

    @Test("bad input: unknown modules and versions, no run type, incomplete runs; all reported together")
    func problems() {
        let spec = EnqueueSpec(version: "7.1.0", inputKind: "L3", modules: ["Procesing"])
        let specProblems = Self.planner(spec).specProblems()
        #expect(specProblems.map(\.code) == [.unknownVersion, .invalidValue, .unknownModule])
        #expect(specProblems[2].description.contains("did you mean Processing?"))

        var runs = Self.runs(1...3)
        runs[0].runType = nil
        runs[1].complete = false
        let plan = Self.planner().plan(runs: runs, jobs: [:], locks: [], selection: .runs([1, 2, 3]))
        #expect(plan.problems.map(\.code) == [.noRunType, .notReady])
        #expect(plan.problems.map(\.source) == ["run:0000000001", "run:0000000002"])
        var skipping = EnqueueSpec(version: "7.0.9", inputKind: "L2")
        skipping.skipConditionsCheck = true
        #expect(Self.planner(skipping).plan(runs: Array(runs[1...]), jobs: [:], locks: [], selection: .runs([2, 3])).problems.isEmpty, "-s skips the completeness check")
    }

    @Test("a run type without modules is skipped, not a problem")
    func noModules() {
        let plan = Self.planner().plan(runs: Self.runs(5...5, type: "Maintenance"), jobs: [:], locks: [], selection: .runs([5]))
        #expect(plan.problems.isEmpty && plan.created.isEmpty)
        #expect(plan.skipped == [.init(run: 5, module: nil, reason: .noModules(runType: "Maintenance"))])
    }

    @Test("sensing a calibration run sets a lock that holds later runs; reprocessing honours but never sets locks")
    func calibration() {
        let runs = Self.runs(10...10) + Self.runs(11...11, type: "PCA") + Self.runs(12...13)
        let sensed = Self.planner(epoch: 6).plan(runs: runs, jobs: [:], locks: [], selection: .startRun(10))
        #expect(sensed.locks.map(\.kind) == ["PCA"])
        #expect(sensed.locks.first?.run == 11)
        #expect(sensed.locks.first?.epoch == 6)
        #expect(Set(sensed.created.map(\.run)) == [10, 11])
        #expect(sensed.firstHeldRun == 12)
        let reprocessed = Self.planner().plan(runs: runs, jobs: [:], locks: [], selection: .range(10, 13))
        #expect(reprocessed.locks.isEmpty)
        #expect(Set(reprocessed.created.map(\.run)) == [10, 11, 12, 13])
        let lock = CalibrationLock(kind: "PCA", run: 11, setTime: nil)
        let held = Self.planner().plan(runs: runs, jobs: [:], locks: [lock], selection: .range(10, 13))
        #expect(Set(held.created.map(\.run)) == [10, 11])
        var ignoring = EnqueueSpec(version: "7.0.9", inputKind: "L2")
        ignoring.ignoreCalibrationLock = true
        #expect(Set(Self.planner(ignoring).plan(runs: runs, jobs: [:], locks: [lock], selection: .startRun(10)).created.map(\.run)) == [10, 11, 12, 13])
    }

    @Test("emitting only the first phase still resolves links for the second from written passes")
    func phases() {
        let planner = Self.planner()
        let phase0 = planner.plan(runs: Self.runs(1...1), jobs: [:], locks: [], selection: .runs([1]), emitting: ["Processing"])
        #expect(phase0.jobs.map(\.module) == ["Processing"])
        var jobs = Self.written(phase0)
        // Someone else added pass 2 of Processing meanwhile; ours is still pass 1.
        jobs["job:Processing:0000000001"]!.passes.append(Pass(pass: 2, version: "x", created: Self.t0))
        let phase1 = planner.plan(runs: Self.runs(1...1), jobs: jobs, locks: [], selection: .runs([1]), emitting: ["Analysis"])
        #expect(phase1.jobs.map(\.module) == ["Analysis"])
        #expect(phase1.jobs[0].passes[0].prerequisites == [PrerequisiteLink(module: "Processing", pass: 1)])
    }

    @Test("selection problems: reversed ranges and bad run numbers")
    func selections() {
        #expect(RunSelection.range(20, 10).problems().map(\.code) == [.reversedRange])
        #expect(RunSelection.block(5, 4).problems().map(\.code) == [.reversedRange])
        #expect(RunSelection.runs([-1, 3]).problems().map(\.code) == [.notARun])
        #expect(RunSelection.range(1, 2).problems().isEmpty)
    }
}
