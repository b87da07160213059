import JSON

/// What one `gasp enqueue` asks for, apart from the runs: the `offline_processing` options.
public struct EnqueueSpec: Sendable, Hashable {
    /// `--find-prereq [VERSION]`: attach the newest existing pass of a prerequisite module
    /// (of VERSION when given) instead of one created in the same submission.
    public enum FindPrerequisite: Sendable, Hashable {
        case newest
        case newestOfVersion(String)
    }

    /// The software version (its catalogue is used).
    public var version: String
    /// The input kind (e.g. `L1`, `L2`).
    public var inputKind: String
    /// `-N`: these modules instead of those the run type selects.
    public var modules: [String]?
    /// `-t`: a frozen conditions tag.
    public var conditionsTag: String?
    /// A priority for the new passes instead of each module's own.
    public var priority: Int?
    /// Labels for the new passes.
    public var labels: [String]
    /// `-s`: do not require runs to be complete with conditions ready.
    public var skipConditionsCheck: Bool
    /// `-f`.
    public var findPrerequisite: FindPrerequisite?
    /// `--force-prereq-pass MODULE PASS`: pin prerequisite passes.
    public var forcedPrerequisites: [String: Int]
    /// `--ignore-calibration-lock`: neither honour nor set calibration locks.
    public var ignoreCalibrationLock: Bool
    /// An explicit request id (default: derived from the normalised request).
    public var requestID: String?

    /// Makes a spec.
    public init(
        version: String, inputKind: String, modules: [String]? = nil, conditionsTag: String? = nil, priority: Int? = nil,
        labels: [String] = [], skipConditionsCheck: Bool = false, findPrerequisite: FindPrerequisite? = nil,
        forcedPrerequisites: [String: Int] = [:], ignoreCalibrationLock: Bool = false, requestID: String? = nil
    ) {
        self.version = version
        self.inputKind = inputKind
        self.modules = modules
        self.conditionsTag = conditionsTag
        self.priority = priority
        self.labels = labels
        self.skipConditionsCheck = skipConditionsCheck
        self.findPrerequisite = findPrerequisite
        self.forcedPrerequisites = forcedPrerequisites
        self.ignoreCalibrationLock = ignoreCalibrationLock
        self.requestID = requestID
    }

    /// The request id of the passes this spec creates for `selection`.
    ///
    /// Derived from what determines the work: version, input kind, conditions tag, the module
    /// override, the prerequisite options (`-f`, `--force-prereq-pass`, as given) and the
    /// selection as asked (`range:100-200`, `after:100`, the sorted run list). Priority and
    /// labels do not change it, so a repeat with a changed priority still creates nothing twice. Sensing modes share one id per (version, input
    /// kind, tag): a run sensed once is never given a second sensing pass. Pending runs get
    /// theirs per run (``pendingRequestID(run:)``).
    public func requestID(for selection: RunSelection) -> String {
        if let requestID { return requestID }
        let modules = self.modules.map { Array(Set($0)).sorted().joined(separator: ",") } ?? "*"
        let find: String = switch findPrerequisite {
        case nil: ""
        case .newest?: "f"
        case .newestOfVersion(let version)?: "f:" + version
        }
        let forced = forcedPrerequisites.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        var parts = [selection.canonical, version, inputKind, conditionsTag ?? ""]
        if !selection.isSensing { parts += [modules, find, forced] }
        let canonical = parts.joined(separator: "|")
        return RequestID.make(prefix: selection.isSensing ? "sense" : "reprocess", canonical: canonical)
    }

    /// The request id for a pending run: tied to the run document's revision at which it was
    /// pending, so a crash before it is marked `queued` creates nothing twice, while an
    /// operator setting `pending` again later (a new revision) gets a new pass.
    public func pendingRequestID(run: RunDocument) -> String {
        if let requestID { return requestID }
        let canonical = ["pending", version, inputKind, conditionsTag ?? "", String(run.run), run.rev ?? ""].joined(separator: "|")
        return RequestID.make(prefix: "pending", canonical: canonical)
    }
}
