/// What an enqueue would write: new passes on new or existing job documents, calibration
/// locks to set, what was skipped and why, and the problems that stop it.
public struct PassPlan: Sendable, Hashable {
    /// One pass the plan creates.
    public struct Created: Sendable, Hashable {
        public var module: String
        public var run: Int
        public var pass: Int

        /// Makes an entry.
        public init(module: String, run: Int, pass: Int) {
            self.module = module
            self.run = run
            self.pass = pass
        }

        /// The `-o` line: `module run pass`.
        public var outlistLine: String { "\(module) \(run) \(pass)" }
    }

    /// One run the plan does nothing for, and why.
    public struct Skipped: Sendable, Hashable {
        /// Why a run is skipped.
        public enum Reason: Sendable, Hashable {
            /// Its passes exist already (made by the same request).
            case alreadyCreated
            /// A calibration lock holds it back.
            case calibrationLock(kind: String, lockRun: Int)
            /// The catalogue gives its run type no modules.
            case noModules(runType: String)
        }

        public var run: Int
        public var module: String?
        public var reason: Reason

        /// Makes an entry.
        public init(run: Int, module: String?, reason: Reason) {
            self.run = run
            self.module = module
            self.reason = reason
        }
    }

    /// The job documents to write (new, or existing ones with a new pass), in run order.
    public var jobs: [JobDocument] = []
    /// The passes created, in run and dependency order.
    public var created: [Created] = []
    /// Runs or (run, module) pairs left alone.
    public var skipped: [Skipped] = []
    /// Calibration locks set by calibration runs in the plan.
    public var locks: [CalibrationLock] = []
    /// The first run a calibration lock holds back (a loop goes no further).
    public var firstHeldRun: Int?
    /// Problems; when there is any, nothing may be written.
    public var problems: [InputProblem] = []

    /// Makes an empty plan.
    public init() {}

    /// How many (run, module) passes already existed.
    public var alreadyCreatedCount: Int {
        skipped.filter { if case .alreadyCreated = $0.reason { true } else { false } }.count
    }
}
