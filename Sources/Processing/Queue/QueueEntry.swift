import Foundation

/// A waiting pass as the queues see it: enough to order and filter it without the document.
public struct QueueEntry: Sendable, Hashable {
    public var module: String
    public var run: Int
    public var pass: Int
    public var priority: Int
    /// ISO-8601 creation time.
    public var created: String
    public var version: String
    /// ISO-8601 time before which the pass may not be claimed (retry backoff).
    public var notBefore: String?

    /// Makes an entry.
    public init(module: String, run: Int, pass: Int, priority: Int = 0, created: String = "", version: String = "", notBefore: String? = nil) {
        self.module = module
        self.run = run
        self.pass = pass
        self.priority = priority
        self.created = created
        self.version = version
        self.notBefore = notBefore
    }

    /// The entry for one pass of `job`.
    public init(job: JobDocument, pass: Pass) {
        self.init(module: job.module, run: job.run, pass: pass.pass, priority: pass.priority, created: pass.created,
                  version: pass.version, notBefore: pass.notBefore)
    }

    /// Every waiting pass of `job`.
    public static func waiting(in job: JobDocument) -> [QueueEntry] {
        job.passes.filter { $0.status == .waiting }.map { QueueEntry(job: job, pass: $0) }
    }

    /// False while the retry backoff lasts.
    public func isDue(at now: Date) -> Bool {
        guard let notBefore, let date = Timestamp.date(notBefore) else { return true }
        return date <= now
    }
}
