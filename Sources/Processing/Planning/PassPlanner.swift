import Foundation

/// Plans the passes an enqueue creates, without any I/O: from the catalogue, the request, the
/// runs' documents, the job documents that exist and the calibration locks.
///
/// For each run (in ascending order): the modules come from `-N` or the catalogue's run type;
/// a run must be complete (unless `-s`); a calibration lock holds back every later run (unless
/// `--ignore-calibration-lock`), and in sensing modes a calibration run sets a lock of its
/// type. For each module, in dependency order, a (run, module) pass that the same request id
/// already made is found and not made again; otherwise the job gets pass `n + 1`, with one
/// subjob per subfile for `sub_run` modules, and each catalogue prerequisite is linked to: a
/// pinned pass (`--force-prereq-pass`), the pass of the same submission, or (`-f`) the newest
/// existing pass. A prerequisite that cannot be linked is a problem.
public struct PassPlanner: Sendable {
    public var catalogue: ModuleCatalogue
    public var spec: EnqueueSpec
    /// The time the new passes are created at.
    public var now: Date
    /// Who creates them, for the history entries.
    public var site: String?
    public var epoch: Int64?

    /// Makes a planner.
    public init(catalogue: ModuleCatalogue, spec: EnqueueSpec, now: Date, site: String? = nil, epoch: Int64? = nil) {
        self.catalogue = catalogue
        self.spec = spec
        self.now = now
        self.site = site
        self.epoch = epoch
    }

    /// The problems with the spec itself: version, input kind, module names, pinned passes.
    public func specProblems() -> [InputProblem] {
        var found: [InputProblem] = []
        if spec.version != catalogue.version {
            found.append(InputProblem(.unknownVersion, source: "arguments", key: "VERSION",
                                      "version \(spec.version) does not match the catalogue's \(catalogue.version)"))
        }
        if !catalogue.inputKinds.isEmpty, !catalogue.inputKinds.contains(spec.inputKind) {
            found.append(InputProblem(.invalidValue, source: "arguments", key: "INPUT_KIND",
                                      "unknown input kind \(spec.inputKind) (known for \(catalogue.version): \(catalogue.inputKinds.joined(separator: ", ")))"))
        }
        for module in spec.modules ?? [] where catalogue.module(module) == nil {
            found.append(InputProblem(.unknownModule, source: "arguments", key: "--modules",
                                      "unknown module \(module) in catalogue \(catalogue.version)" + ModuleCatalogue.suggestion(module, catalogue.moduleNames)))
        }
        for (module, pass) in spec.forcedPrerequisites.sorted(by: { $0.key < $1.key }) {
            if catalogue.module(module) == nil {
                found.append(InputProblem(.unknownModule, source: "arguments", key: "--force-prereq-pass",
                                          "unknown module \(module)" + ModuleCatalogue.suggestion(module, catalogue.moduleNames)))
            }
            if pass < 1 { found.append(InputProblem(.invalidValue, source: "arguments", key: "--force-prereq-pass", "pass \(pass) of \(module): passes start at 1")) }
        }
        if spec.modules?.isEmpty == true { found.append(InputProblem(.invalidValue, source: "arguments", key: "--modules", "no module given")) }
        return found
    }

    /// Plans passes for `runs`.
    ///
    /// - Parameters:
    ///   - runs: the run documents, any order (planned ascending).
    ///   - jobs: the existing job documents of these runs, by id.
    ///   - locks: the calibration locks as they are.
    ///   - selection: the mode, for the request id and whether locks are set.
    ///   - requestIDs: per-run request ids overriding the spec's (pending runs).
    ///   - emitting: only create passes of these modules (nil: all); the others are still
    ///     resolved, so dependants of passes written in an earlier phase link to them.
    public func plan(
        runs: [RunDocument], jobs: [String: JobDocument], locks: [CalibrationLock], selection: RunSelection,
        requestIDs: [Int: String] = [:], emitting: Set<String>? = nil
    ) -> PassPlan {
        var plan = PassPlan()
        plan.problems = specProblems()
        var locks = locks
        let defaultRequestID = spec.requestID(for: selection)
        let sorted = runs.sorted { $0.run < $1.run }
        for run in sorted {
            let requestID = requestIDs[run.run] ?? defaultRequestID
            let source = RunDocument.id(run: run.run)
            var moduleNames: [String]
            if let modules = spec.modules {
                moduleNames = modules
            } else {
                guard let runType = run.runType, !runType.isEmpty else {
                    plan.problems.append(InputProblem(.noRunType, source: source, key: "run_type", "run \(run.run) has no run type; give the modules with -N"))
                    continue
                }
                guard let modules = catalogue.modules(forRunType: runType) else {
                    plan.skipped.append(.init(run: run.run, module: nil, reason: .noModules(runType: runType)))
                    continue
                }
                moduleNames = modules
            }
            if !spec.skipConditionsCheck {
                if !run.complete {
                    plan.problems.append(InputProblem(.notReady, source: source, key: "complete", "run \(run.run) is not complete (-s skips this check)"))
                    continue
                }
                if run.extra["conditions_ready"]?.boolValue == false {
                    plan.problems.append(InputProblem(.notReady, source: source, key: "conditions_ready", "run \(run.run): its conditions are not ready (-s skips this check)"))
                    continue
                }
            }
            if !spec.ignoreCalibrationLock {
                if let lock = CalibrationRule.blockingLock(for: run.run, locks: locks) {
                    plan.skipped.append(.init(run: run.run, module: nil, reason: .calibrationLock(kind: lock.kind, lockRun: lock.run)))
                    if plan.firstHeldRun == nil { plan.firstHeldRun = run.run }
                    continue
                }
                if selection.isSensing, let runType = run.runType, catalogue.isCalibration(runType: runType) {
                    let existing = locks.first { $0.kind == runType }
                    if CalibrationRule.setsLock(run: run.run, existing: existing) {
                        var lock = CalibrationLock(kind: runType, run: run.run, setTime: Timestamp.string(now))
                        lock.rev = existing?.rev
                        lock.epoch = epoch ?? existing?.epoch
                        lock.extra = existing?.extra ?? [:]
                        locks.removeAll { $0.kind == runType }
                        locks.append(lock)
                        plan.locks.append(lock)
                    }
                }
            }
            planRun(run, modules: catalogue.dependencyOrder(moduleNames), requestID: requestID, jobs: jobs,
                    emitting: emitting, into: &plan)
        }
        return plan
    }

    private func planRun(
        _ run: RunDocument, modules: [String], requestID: String, jobs: [String: JobDocument], emitting: Set<String>?,
        into plan: inout PassPlan
    ) {
        var submission: [String: Int] = [:]  // module → pass of this request for this run
        var working: [String: JobDocument] = [:]
        let source = RunDocument.id(run: run.run)
        for name in modules {
            guard let module = catalogue.module(name) else { continue }  // reported by specProblems
            let id = JobDocument.id(module: name, run: run.run)
            var job = working[id] ?? jobs[id] ?? JobDocument(module: name, run: run.run, runType: run.runType)
            if let existing = job.pass(requestID: requestID) {
                submission[name] = existing.pass
                plan.skipped.append(.init(run: run.run, module: name, reason: .alreadyCreated))
                continue
            }
            let number = job.nextPassNumber
            var links: [PrerequisiteLink] = []
            for prerequisite in module.prerequisites {
                if let pinned = spec.forcedPrerequisites[prerequisite] {
                    let pinnedJob = working[JobDocument.id(module: prerequisite, run: run.run)] ?? jobs[JobDocument.id(module: prerequisite, run: run.run)]
                    if pinnedJob?.pass(pinned) == nil {
                        plan.problems.append(InputProblem(.missingPrerequisite, source: source, key: "--force-prereq-pass",
                                                          "run \(run.run): \(prerequisite) has no pass \(pinned)"))
                    }
                    links.append(PrerequisiteLink(module: prerequisite, pass: pinned))
                } else if let pass = submission[prerequisite] {
                    links.append(PrerequisiteLink(module: prerequisite, pass: pass))
                } else if let find = spec.findPrerequisite {
                    let version: String? = if case .newestOfVersion(let v) = find { v } else { nil }
                    let candidate = (working[JobDocument.id(module: prerequisite, run: run.run)] ?? jobs[JobDocument.id(module: prerequisite, run: run.run)])?
                        .passes.filter { (version == nil || $0.version == version) && $0.status != .deleted }.max { $0.pass < $1.pass }
                    guard let candidate else {
                        plan.problems.append(InputProblem(.missingPrerequisite, source: source, key: "--find-prereq",
                                                          "run \(run.run): no pass of \(prerequisite)" + (version.map { " with version \($0)" } ?? "") + " to attach to \(name)"))
                        continue
                    }
                    links.append(PrerequisiteLink(module: prerequisite, pass: candidate.pass))
                } else {
                    plan.problems.append(InputProblem(.missingPrerequisite, source: source, key: "--modules",
                                                      "run \(run.run): \(name) needs \(prerequisite); add it with -N, or attach an existing pass with -f or --force-prereq-pass"))
                }
            }
            submission[name] = number
            guard emitting?.contains(name) ?? true else { continue }
            let pass = Pass(
                pass: number, version: spec.version, conditionsTag: spec.conditionsTag, priority: spec.priority ?? module.priority,
                created: now, labels: spec.labels, prerequisites: links, maxAttempts: module.retry.maxAttempts,
                subjobs: module.subjobs(subfiles: run.subfiles), inputKind: spec.inputKind, requestID: requestID,
                site: site, epoch: epoch, reason: "created by request \(requestID)")
            job.passes.append(pass)
            if let epoch { job.epoch = epoch }
            if job.runType == nil { job.runType = run.runType }
            working[id] = job
            plan.created.append(.init(module: name, run: run.run, pass: number))
        }
        for name in modules {
            if let job = working[JobDocument.id(module: name, run: run.run)] { plan.jobs.append(job) }
        }
    }
}
