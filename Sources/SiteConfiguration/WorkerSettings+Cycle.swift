import Processing

extension WorkerSettings {
    /// Run sensing under the lease (`worker.sense`): what `offline_processing.py -r` did in a
    /// screen session on one host, now done by whichever site holds the lease.
    public struct Sense: Sendable, Equatable {
        /// The software version whose catalogue decides the modules per run type.
        public var version: String
        /// The input kind (`L1`, `L2`…).
        public var inputKind: String
        /// Sense complete runs from this one on (nil: pending runs only).
        public var startRun: Int?
        /// Also create jobs for runs whose `processing_status` is `pending`.
        public var pending: Bool
    }

    /// One scheduled window (`worker.schedules[i]`): a cron expression, a window length, and the
    /// module that processes each window.
    public struct Schedule: Sendable, Equatable {
        /// The schedule's name (window ids are `window:<name>:<fire time>`).
        public var name: String
        /// The cron expression (5 fields, or `@daily` and the like), UTC.
        public var cron: String
        /// The module run for each window, and its software version.
        public var module: String
        public var version: String
        /// The window length; nil means since the previous fire time.
        public var length: WindowLength?
        /// Where finished outputs are moved to from the job's draft directory.
        public var outputDirectory: String
    }

    static func readSense(_ reader: YAMLReader) throws(ConfigurationError) -> Sense {
        try reader.rejectUnknownKeys(["version", "input_kind", "start_run", "pending"])
        let sense = Sense(
            version: try reader.requiredString("version"), inputKind: try reader.requiredString("input_kind"),
            startRun: try reader.int("start_run"), pending: try reader.bool("pending") ?? false)
        guard sense.startRun != nil || sense.pending else {
            throw reader.error(.missingKey, key: reader.childPath("start_run"), "give start_run, pending: true, or both")
        }
        return sense
    }

    static func readSchedule(_ reader: YAMLReader) throws(ConfigurationError) -> Schedule {
        try reader.rejectUnknownKeys(["name", "cron", "module", "version", "days", "hours", "minutes", "seconds", "output_directory"])
        let cron = try reader.requiredString("cron")
        do {
            _ = try CronExpression(cron)
        } catch {
            throw (try reader.child("cron") ?? reader).error(.invalidValue, error.message)
        }
        let parts = [try reader.int("days"), try reader.int("hours"), try reader.int("minutes"), try reader.int("seconds")]
        var length: WindowLength?
        if parts.contains(where: { $0 != nil }) {
            length = WindowLength(days: parts[0] ?? 0, hours: parts[1] ?? 0, minutes: parts[2] ?? 0, seconds: parts[3] ?? 0)
            guard length!.totalSeconds > 0, !parts.contains(where: { ($0 ?? 0) < 0 }) else {
                throw reader.error(.invalidValue, "the window length (days, hours, minutes, seconds) must be positive")
            }
        }
        let output = try reader.requiredString("output_directory")
        guard output.hasPrefix("/") else {
            throw (try reader.child("output_directory") ?? reader).error(.invalidValue, "must be an absolute path, not \(output)")
        }
        let schedule = Schedule(
            name: try reader.requiredString("name"), cron: cron, module: try reader.requiredString("module"),
            version: try reader.requiredString("version"), length: length, outputDirectory: output)
        do {
            _ = try ScheduledWindow(name: schedule.name, cron: cron, length: length, module: schedule.module,
                                    outputDirectory: output, draftDirectory: output)
        } catch {
            throw (try reader.child("name") ?? reader).error(.invalidValue, error.message)
        }
        return schedule
    }
}
