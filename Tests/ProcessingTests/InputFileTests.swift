import Foundation
import JSON
import Processing
import Testing

@Suite("Run lists, registrations and production requests")
struct InputFileTests {
    @Test("a run list with comments reads; bad lines are all reported with file:line")
    func runList() throws {
        #expect(try RunListParser.runList("# spring\n100\n 101 \n\n102 # last\n", file: "runs.txt") == [100, 101, 102])
        do {
            _ = try RunListParser.runList("100\nr101\n102\n1e3\n", file: "runs.txt")
            Issue.record("must fail")
        } catch {
            #expect(error.problems.map(\.description) == ["runs.txt:2: not a run number: r101", "runs.txt:4: not a run number: 1e3"])
        }
        #expect(throws: ValidationFailure.self) { try RunListParser.runList("# nothing\n", file: "empty.txt") }
    }

    @Test("CSV registrations with a header; JSON lines; every bad line named")
    func registrations() throws {
        let csv = "run,run_type,complete,subfiles,start\n100,Physics,true,3,2026-11-01T10:00:00Z\n101,PCA,false,1,\n"
        let runs = try RunListParser.registrations(csv, file: "runs.csv")
        #expect(runs.map(\.run) == [100, 101])
        #expect(runs[0].subfiles == 3 && runs[0].complete && runs[0].start == "2026-11-01T10:00:00Z")
        #expect(!runs[1].complete && runs[1].runType == "PCA")

        let jsonl = "{\"run\": 5, \"run_type\": \"Physics\", \"processing_status\": \"pending\"}\n{\"run\": 6, \"run_type\": \"ECA\"}\n"
        let read = try RunListParser.registrations(jsonl, file: "runs.jsonl")
        #expect(read.map(\.processingStatus) == [.pending, nil])

        let bad = "run,run_type\nabc,Physics\n7,\n8,Physics,extra\n7,Physics\n"
        do {
            _ = try RunListParser.registrations(bad, file: "bad.csv")
            Issue.record("must fail")
        } catch {
            let lines = error.problems.map(\.description)
            #expect(lines.contains("bad.csv:2: run: abc is not a run number"))
            #expect(lines.contains("bad.csv:3: run_type: required: the run type picks the modules"))
            #expect(lines.contains("bad.csv:4: 3 fields where the header has 2"))
        }
        do {
            _ = try RunListParser.registrations("{\"run\": 1, \"run_type\": \"P\"}\n{\"run\": 2, \n", file: "x.jsonl")
            Issue.record("must fail")
        } catch {
            #expect(error.problems.first?.line == 2)
            #expect(error.problems.first?.code == .syntax)
        }
    }

    static let catalogue: ModuleCatalogue = {
        var source = CatalogueTests.good
        source["modules"]?["Sim"] = ["kind": "macro", "level": "run", "command": "sim", "production": ["modes": ["n_ev", "t_run"], "template": ["geometry": "full", "seed": 0]]]
        source["modules"]?["SimRuns"] = ["kind": "macro", "level": "run", "command": "sim", "production": ["modes": ["run_numbers"]]]
        return try! ModuleCatalogue(json: source, source: "c")
    }()

    @Test("a production request reads, plans one pass per job with its parameters, and is idempotent")
    func production() throws {
        let json: JSONValue = ["rat_v": "7.0.9", "label": "mc", "priority": 4, "template": ["seed": 1],
                               "modules": [["module": "Sim", "n_ev": 2500, "ev_per_run": 1000, "template": ["geometry": "partial"]],
                                           ["module": "SimRuns", "run_numbers": [300, 301]]]]
        let request = try ProductionRequest(json: json, source: "req.json", catalogue: Self.catalogue)
        #expect(request.items[0].jobs.map(\.run) == [1, 2, 3])
        #expect(request.items[0].jobs.map { $0.parameters["events"]?.intValue } == [1000, 1000, 500])
        let id = request.resolvedRequestID()
        #expect(id.hasPrefix("production-"))
        let reordered: JSONValue = ["label": "mc", "rat_v": "7.0.9", "priority": 4, "template": ["seed": 1], "modules": json["modules"]!]
        #expect(try ProductionRequest(json: reordered, source: "r", catalogue: Self.catalogue).resolvedRequestID() == id)
        let planner = ProductionPlanner(catalogue: Self.catalogue, request: request, requestID: id, now: Date(timeIntervalSince1970: 0))
        let plan = planner.plan(jobs: [:])
        #expect(plan.created.map(\.outlistLine) == ["Sim 1 1", "Sim 2 1", "Sim 3 1", "SimRuns 300 1", "SimRuns 301 1"])
        let pass = plan.jobs[0].passes[0]
        #expect(pass.labels == ["mc"] && pass.priority == 4)
        #expect(pass.request?["template"] == ["geometry": "partial", "seed": 1])
        #expect(pass.request?["mode"] == "n_ev")
        var jobs: [String: JobDocument] = [:]
        for job in plan.jobs { jobs[job.id] = job }
        #expect(planner.plan(jobs: jobs).created.isEmpty)
    }

    @Test("a bad request: every unknown module and bad field reported at once")
    func badRequest() {
        let json: JSONValue = ["rat_v": "7.0.9", "lable": "x", "priority": "high",
                               "modules": [["module": "Simm", "n_ev": 10, "ev_per_run": 0],
                                           ["module": "Sim", "n_ev": 10, "t_run": 5],
                                           ["module": "SimRuns", "n_ev": 1, "ev_per_run": 1],
                                           ["module": "Processing", "run_numbers": ["a"]]]]
        do {
            _ = try ProductionRequest(json: json, source: "req.json", catalogue: Self.catalogue)
            Issue.record("must fail")
        } catch {
            let lines = error.problems.map(\.description)
            #expect(lines.contains { $0.hasPrefix("req.json: lable: unknown key (did you mean label?)") })
            #expect(lines.contains { $0.hasPrefix("req.json: priority: expected an integer") })
            #expect(lines.contains("req.json: modules.0.module: unknown module Simm in catalogue 7.0.9 (did you mean Sim?)"))
            #expect(lines.contains("req.json: modules.0.ev_per_run: must be at least 1"))
            #expect(lines.contains("req.json: modules.1: mixes modes n_ev and t_run; use one"))
            #expect(lines.contains { $0.hasPrefix("req.json: modules.2.n_ev: SimRuns does not take mode n_ev") })
            #expect(lines.contains("req.json: modules.3.module: Processing is not a production module"))
            #expect(lines.contains("req.json: modules.3.run_numbers.0: \"a\" is not a run number"))
            #expect(error.problems.count == 8)
        }
    }

    @Test("a run's processing status follows its jobs")
    func runStatus() throws {
        let t0 = Date(timeIntervalSince1970: 0)
        func job(_ module: String, _ steps: [PassStatus], attempts: Int = 0) throws -> JobDocument {
            var j = JobDocument(module: module, run: 1, runType: "Physics")
            var p = Pass(pass: 1, version: "v", created: t0, maxAttempts: 1)
            for s in steps { try p.transition(to: s, at: t0) }
            p.attempts = attempts
            p.lastError = "exit 3"
            j.passes = [p]
            return j
        }
        #expect(RunStatusRule.outcome(jobs: []) == .queued)
        #expect(RunStatusRule.outcome(jobs: [try job("A", [.submitted, .completed]), try job("B", [.submitted])]) == .queued)
        #expect(RunStatusRule.outcome(jobs: [try job("A", [.submitted, .completed]), try job("B", [.submitted, .completed])]) == .done)
        let failed = RunStatusRule.outcome(jobs: [try job("A", [.submitted, .failed], attempts: 1)])
        #expect(failed == .failed(reason: "A pass 1 failed: exit 3"))
        let run = RunDocument(run: 1, runType: "Physics", processingStatus: .queued)
        let marked = RunStatusRule.apply(failed, to: run)
        #expect(marked?.processingStatus == .failed && marked?.failureCount == 1)
        #expect(RunStatusRule.apply(failed, to: marked!) == nil, "the same failure is counted once")
        #expect(RunStatusRule.apply(.done, to: run)?.processingStatus == .done)
        // A run whose jobs were enqueued by hand (no processing_status) gets an outcome too; a
        // pending run waits for its new passes.
        let byHand = RunDocument(run: 1, runType: "Physics")
        #expect(RunStatusRule.apply(.done, to: byHand)?.processingStatus == .done)
        #expect(RunStatusRule.apply(failed, to: byHand)?.processingStatus == .failed)
        #expect(RunStatusRule.apply(.queued, to: byHand) == nil)
        let pending = RunDocument(run: 1, runType: "Physics", processingStatus: .pending)
        #expect(RunStatusRule.apply(failed, to: pending) == nil && RunStatusRule.apply(.done, to: pending) == nil)
        // The cause is named before its consequence, whatever the module names.
        var dependant = JobDocument(module: "Analysis", run: 1, runType: "Physics")
        var waiting = Pass(pass: 1, version: "v", created: t0)
        try waiting.transition(to: .unsatisfied, at: t0, reason: "prerequisite Processing pass 1 is failed: exit 3")
        dependant.passes = [waiting]
        let both = RunStatusRule.outcome(jobs: [dependant, try job("Processing", [.submitted, .failed], attempts: 0)])
        #expect(both == .failed(reason: "Processing pass 1 failed: exit 3"))
        #expect(RunStatusRule.outcome(jobs: [dependant]) == .failed(reason: "Analysis pass 1 unsatisfied: prerequisite Processing pass 1 is failed: exit 3"))
    }
}
