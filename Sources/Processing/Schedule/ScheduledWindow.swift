#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A schedule that cuts time into windows of data to process, as the cron-driven data
/// grabbers do: at each fire time of ``cron`` a window `[fire − length, fire)` is due, to be
/// processed by ``module``, drafted in ``draftDirectory`` and moved into ``outputDirectory``.
///
/// ```swift
/// let daily = try ScheduledWindow(
///     name: "param-data", cron: "0 1 * * *", length: WindowLength(days: 1),
///     module: "ParamDataGrabber", outputDirectory: "/pnfs/ldrd/accelai/tape", draftDirectory: "/scratch/draft")
/// let due = daily.dueWindows(at: now, lastCreated: lastFire, limit: 7)
/// ```
///
/// Each window's id is derived from the schedule name and the fire time only
/// (`window:param-data:20261202T010000Z`), so two sites that both decide a window is due write
/// the same document and the second write is a conflict, never a second window.
public struct ScheduledWindow: Sendable, Hashable {
    /// The schedule's name, part of every window id: letters, digits, `.`, `_` and `-`.
    public let name: String
    /// When windows close.
    public let cron: CronExpression
    /// How far back each window reaches; nil for "since the previous fire time".
    public let length: WindowLength?
    /// The module that processes each window.
    public let module: String
    /// Where finished output files go.
    public let outputDirectory: String
    /// Where output files are written while they are being produced.
    public let draftDirectory: String

    /// A schedule; throws when the name or the length is unusable.
    public init(
        name: String, cron: CronExpression, length: WindowLength? = nil, module: String,
        outputDirectory: String, draftDirectory: String
    ) throws(ScheduleError) {
        let allowed = name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
                || "._-".unicodeScalars.contains($0)
        }
        guard !name.isEmpty, allowed else {
            throw ScheduleError(.invalidName, schedule: name, "a schedule name needs letters, digits, '.', '_' or '-' only")
        }
        if let length,
           length.totalSeconds <= 0 || [length.days, length.hours, length.minutes, length.seconds].contains(where: { $0 < 0 }) {
            throw ScheduleError(
                .invalidLength, schedule: name, "the window length \(length) must be positive, with no negative part")
        }
        self.name = name
        self.cron = cron
        self.length = length
        self.module = module
        self.outputDirectory = outputDirectory
        self.draftDirectory = draftDirectory
    }

    /// A schedule from cron text; a parse error is reported under the schedule's name.
    public init(
        name: String, cron text: String, length: WindowLength? = nil, module: String,
        outputDirectory: String, draftDirectory: String
    ) throws(ScheduleError) {
        let cron: CronExpression
        do { cron = try CronExpression(text) } catch { throw ScheduleError(.invalidCron, schedule: name, error.message) }
        try self.init(
            name: name, cron: cron, length: length, module: module, outputDirectory: outputDirectory,
            draftDirectory: draftDirectory)
    }

    /// The window that closes at `fire`: `[fire − length, fire)`, or from the previous fire time.
    public func window(firingAt fire: Date) -> WindowDocument {
        let start = length.map { fire.addingTimeInterval(-Double($0.totalSeconds)) } ?? cron.previous(before: fire)
        return WindowDocument(
            schedule: name, fire: fire, start: start, end: fire, module: module, draftDirectory: draftDirectory,
            outputDirectory: outputDirectory)
    }

    /// The windows due at `now` when the last window already created fired at `lastCreated`:
    /// one per fire time in `(lastCreated, now]`, oldest first, at most `limit` of them.
    ///
    /// With no window created yet only the most recent fire time is due, so a new schedule does
    /// not reach back to the beginning of time. A site that was down catches up `limit` windows
    /// per call; ``DueWindows/more`` says whether more are waiting for the next call.
    public func dueWindows(at now: Date, lastCreated: Date?, limit: Int = 24) -> DueWindows {
        guard limit > 0 else { return DueWindows(windows: [], more: cron.next(after: lastCreated ?? now) <= now) }
        guard let lastCreated else {
            let latest = cron.previous(atOrBefore: now)
            return DueWindows(windows: latest == .distantPast ? [] : [window(firingAt: latest)], more: false)
        }
        var windows: [WindowDocument] = []
        var fire = cron.next(after: lastCreated)
        while fire <= now {
            if windows.count == limit { return DueWindows(windows: windows, more: true) }
            windows.append(window(firingAt: fire))
            fire = cron.next(after: fire)
        }
        return DueWindows(windows: windows, more: false)
    }
}

/// What ``ScheduledWindow/dueWindows(at:lastCreated:limit:)`` found.
public struct DueWindows: Sendable, Hashable {
    /// The windows to create, oldest first.
    public var windows: [WindowDocument]
    /// True when further windows are due beyond the limit (the next call continues from the
    /// last of ``windows``).
    public var more: Bool

    /// Makes a result.
    public init(windows: [WindowDocument], more: Bool) {
        self.windows = windows
        self.more = more
    }
}
