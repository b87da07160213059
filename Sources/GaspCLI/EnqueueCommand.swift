import ArgumentParser
import CouchDB
import Enqueue
import Foundation
import JSON
import Processing

/// `gasp enqueue`: creates job passes, with every `offline_processing.py` mode and option.
struct EnqueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enqueue",
        abstract: "Create job passes for runs (the offline_processing.py modes and flags).",
        discussion: """
            Loop modes (-r, -b) sense newly complete runs and create their passes by run type, resuming where the last loop stopped; reprocessing modes (-R, -A, -1, -L) add a new pass per (run, module) and do not loop; --pending takes runs whose processing_status is pending and marks them queued. The whole input is checked first and nothing is written if anything is wrong. Repeating the same request (after a crash, say) creates nothing twice: each pass records its request id; give --request-id to make a deliberate second reprocessing with identical parameters. A calibration run type (the catalogue's calibration_run_types) sets a lock that holds back every later run until `gasp calibration release`. -f takes an optional VERSION: write it right after -f, or put -f last.
            """
    )

    @OptionGroup var database: DatabaseOptions

    @Argument(help: "The software version (its catalogue picks the modules).")
    var version: String

    @Argument(help: "The input kind (e.g. L1, L2).")
    var inputKind: String

    @Option(name: [.customShort("r"), .customLong("start-run")], help: ArgumentHelp("Loop forever, sensing newly complete runs from RUN on.", valueName: "RUN"))
    var startRun: Int?

    @Option(name: [.customShort("b"), .customLong("block-run")], parsing: .upToNextOption, help: ArgumentHelp("Loop over the runs START…END, never past END.", valueName: "START END"))
    var blockRun: [Int] = []

    @Option(name: [.customShort("R"), .customLong("reprocess-range")], parsing: .upToNextOption, help: ArgumentHelp("Reprocess the runs START…END (inclusive); no loop.", valueName: "START END"))
    var reprocessRange: [Int] = []

    @Option(name: [.customShort("A"), .customLong("reprocess-after")], help: ArgumentHelp("Reprocess every run from RUN on (inclusive); no loop.", valueName: "RUN"))
    var reprocessAfter: Int?

    @Option(name: [.customShort("1"), .customLong("one-shot")], parsing: .upToNextOption, help: ArgumentHelp("Reprocess exactly these runs; no loop.", valueName: "RUN"))
    var oneShot: [String] = []

    @Option(name: [.customShort("L"), .customLong("runlist")], help: ArgumentHelp("Reprocess the runs in FILE (one a line, # comments); no loop.", valueName: "FILE"))
    var runlist: String?

    @Flag(help: "Create passes for runs whose processing_status is pending and mark them queued.")
    var pending = false

    @Option(name: [.customShort("t"), .customLong("conditions-tag")], help: ArgumentHelp("Use a frozen conditions tag instead of the live conditions.", valueName: "TAG"))
    var conditionsTag: String?

    @Option(name: [.customShort("N"), .customLong("modules")], help: ArgumentHelp("Run this module instead of the run type's (repeatable, or comma-separated).", valueName: "MODULE"))
    var modules: [String] = []

    @Option(name: [.customShort("o"), .customLong("outlist")], help: ArgumentHelp("Append `module run pass` for each created pass to FILE.", valueName: "FILE"))
    var outlist: String?

    @Flag(name: [.customShort("s"), .customLong("skip-conditions-check")], help: "Do not require runs to be complete with their conditions ready.")
    var skipConditionsCheck = false

    @Option(name: [.customShort("f"), .customLong("find-prereq")], help: ArgumentHelp("Attach the newest existing pass of each prerequisite (of VERSION, if given).", valueName: "VERSION"))
    var findPrereq: String?

    @Option(name: .customLong("force-prereq-pass"), parsing: .upToNextOption, help: ArgumentHelp("Link prerequisite MODULE's pass PASS (repeatable).", valueName: "MODULE PASS"))
    var forcePrereqPass: [String] = []

    @Flag(help: "Print what would be written and write nothing (the old --testing-nodb).")
    var dryRun = false

    @Flag(help: "Neither honour nor set calibration locks (the old --testing-nocal).")
    var ignoreCalibrationLock = false

    @Option(help: "The module catalogue file (YAML); default: the database's catalogue:<VERSION>.")
    var catalogue: String?

    @Option(help: "Priority of the new passes (default: each module's).")
    var priority: Int?

    @Option(name: .customLong("label"), help: "A label for the new passes (repeatable).")
    var labels: [String] = []

    @Option(help: "Record this request id on the new passes instead of the one derived from the request.")
    var requestID: String?

    @Option(help: "Seconds between sensing loops (-r, -b).")
    var interval: Double = 60

    @Option(help: "Stop a loop after this many sensing passes (default: never).")
    var iterations: Int?

    @Option(help: "With --pending: at most this many runs per call.")
    var limit: Int?

    static let findAnyVersion = "*"

    func validate() throws {
        let modes = [startRun != nil, !blockRun.isEmpty, !reprocessRange.isEmpty, reprocessAfter != nil, !oneShot.isEmpty, runlist != nil, pending]
        guard modes.filter({ $0 }).count == 1 else {
            throw ValidationError("give exactly one of -r, -b, -R, -A, -1, -L, --pending")
        }
        if !blockRun.isEmpty, blockRun.count != 2 { throw ValidationError("-b takes START END") }
        if !reprocessRange.isEmpty, reprocessRange.count != 2 { throw ValidationError("-R takes START END") }
        if forcePrereqPass.count % 2 != 0 { throw ValidationError("--force-prereq-pass takes MODULE PASS") }
        if interval <= 0 { throw ValidationError("--interval must be positive") }
    }

    /// The selection, or every problem with the run arguments and run-list file.
    func selection() throws -> RunSelection {
        if let startRun { return .startRun(startRun) }
        if blockRun.count == 2 { return .block(blockRun[0], blockRun[1]) }
        if reprocessRange.count == 2 { return .range(reprocessRange[0], reprocessRange[1]) }
        if let reprocessAfter { return .after(reprocessAfter) }
        if pending { return .pending }
        if !oneShot.isEmpty {
            var runs: [Int] = []
            var problems: [InputProblem] = []
            for (index, text) in oneShot.enumerated() {
                if let run = RunNumber.parse(text) { runs.append(run) } else {
                    problems.append(InputProblem(.notARun, source: "arguments", key: "-1 (\(index + 1))", "not a run number: \(text)"))
                }
            }
            guard problems.isEmpty else { throw EnqueueError(.invalidInput, "nothing was written", problems: problems) }
            return .runs(runs)
        }
        let path = runlist!
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw EnqueueError(.invalidInput, "nothing was written", problems: [InputProblem(.unreadable, source: path, key: nil, "cannot read it (\(error.localizedDescription))")])
        }
        do { return .runs(try RunListParser.runList(text, file: path)) } catch { throw EnqueueError.invalid(error) }
    }

    func spec() throws -> EnqueueSpec {
        var forced: [String: Int] = [:]
        var problems: [InputProblem] = []
        for index in stride(from: 0, to: forcePrereqPass.count, by: 2) {
            guard let pass = Int(forcePrereqPass[index + 1]) else {
                problems.append(InputProblem(.invalidValue, source: "arguments", key: "--force-prereq-pass", "\(forcePrereqPass[index + 1]) is not a pass number"))
                continue
            }
            forced[forcePrereqPass[index]] = pass
        }
        guard problems.isEmpty else { throw EnqueueError(.invalidInput, "nothing was written", problems: problems) }
        let names = modules.flatMap { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }.filter { !$0.isEmpty }
        let find: EnqueueSpec.FindPrerequisite? = findPrereq.map { $0 == Self.findAnyVersion || $0.isEmpty ? .newest : .newestOfVersion($0) }
        return EnqueueSpec(
            version: version, inputKind: inputKind, modules: names.isEmpty ? nil : names, conditionsTag: conditionsTag,
            priority: priority, labels: labels, skipConditionsCheck: skipConditionsCheck, findPrerequisite: find,
            forcedPrerequisites: forced, ignoreCalibrationLock: ignoreCalibrationLock, requestID: requestID)
    }

    func run() async throws {
        do {
            let selection = try selection()
            let spec = try spec()
            try await database.withDatabase { db in
                let catalogue = try await CatalogueStore.resolve(version: version, path: self.catalogue, database: db)
                let creator = JobCreator(database: db, catalogue: catalogue, progress: TerminalProgress.writer(label: "enqueue"))
                var outcome: EnqueueOutcome
                switch selection {
                case .startRun(let start), .block(let start, _):
                    let end: Int? = if case .block(_, let e) = selection { e } else { nil }
                    let sensor = RunSensor(creator: creator, spec: spec)
                    let control = LoopControl(interval: .milliseconds(Int64(interval * 1000)), maxIterations: iterations)
                    let outlist = self.outlist
                    let dryRun = self.dryRun
                    outcome = try await sensor.loop(start: start, end: end, control: control, dryRun: dryRun) { step in
                        if step.switchedOff { print("automatic processing is switched off (switch:auto_processing); waiting"); return }
                        if dryRun { Self.printDryRun(step.outcome) }
                        if !step.outcome.created.isEmpty || !step.outcome.runProblems.isEmpty { print(step.outcome.summary) }
                        for problem in step.outcome.runProblems { print("  left out: \(problem)") }
                        if let outlist, !dryRun { try? appendLines(step.outcome.created.map(\.outlistLine), to: outlist) }
                    }
                    outcome.dryRun = dryRun
                    print("loop ended: " + outcome.summary)
                    return
                case .pending:
                    let result = try await PendingRunEnqueuer(creator: creator, spec: spec).enqueuePending(limit: limit, dryRun: dryRun)
                    if result.switchedOff { print("automatic processing is switched off (switch:auto_processing): nothing done"); return }
                    outcome = result.outcome
                    outcome.dryRun = dryRun
                    for run in result.queued { print("run \(run): queued") }
                    for (run, reason) in result.failed { print("run \(run): failed: \(reason)") }
                default:
                    outcome = try await creator.enqueue(spec, selection: selection, dryRun: dryRun)
                }
                if dryRun { Self.printDryRun(outcome) }
                if let outlist, !dryRun { try appendLines(outcome.created.map(\.outlistLine), to: outlist) }
                print(outcome.summary)
                for failure in outcome.failures { print("  not written: \(failure)") }
                if !outcome.failures.isEmpty { throw ExitCode(1) }
            }
        } catch {
            throw report(error)
        }
    }

    static func printDryRun(_ outcome: EnqueueOutcome) {
        for lock in outcome.locksSet { print("would set \(lock.id) at run \(lock.run)") }
        for job in outcome.jobs { print("would write \(job.id): \(job.json.serialized())") }
    }
}

extension Gasp {
    /// `-f` takes an optional version, which the argument parser cannot express: a bare `-f`
    /// (last, or followed by another option) gets the value meaning "any version".
    static func rewritingOptionalValues(_ arguments: [String]) -> [String] {
        guard arguments.first == "enqueue" else { return arguments }
        var result: [String] = []
        for (index, argument) in arguments.enumerated() {
            result.append(argument)
            if argument == "-f" || argument == "--find-prereq" {
                let next = index + 1 < arguments.count ? arguments[index + 1] : nil
                if next == nil || next!.hasPrefix("-") { result.append(EnqueueCommand.findAnyVersion) }
            }
        }
        return result
    }
}
