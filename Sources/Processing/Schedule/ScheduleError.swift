/// A schedule definition that cannot be used: which schedule and what is wrong.
public struct ScheduleError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of problem.
    public enum Code: String, Sendable, Hashable {
        /// The name is empty or has characters a document id should not carry.
        case invalidName
        /// The window length is negative or zero.
        case invalidLength
        /// The cron expression does not parse.
        case invalidCron
    }

    /// The kind of problem.
    public var code: Code
    /// The schedule's name as given.
    public var schedule: String
    /// What is wrong, for humans.
    public var message: String

    /// Makes an error.
    public init(_ code: Code, schedule: String, _ message: String) {
        self.code = code
        self.schedule = schedule
        self.message = message
    }

    public var description: String { "schedule \(schedule): \(message)" }
}
