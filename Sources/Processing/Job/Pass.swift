import Foundation
import JSON

/// One pass of a job: a processing of one (run, module) with one software version. A
/// reprocessing adds a pass; a retry does not (it counts an attempt).
public struct Pass: Sendable, Hashable, WrittenAsJSON {
    /// The pass number, 1-based, in creation order.
    public var pass: Int
    /// The current status; change it with ``transition(to:at:site:epoch:reason:)``.
    public private(set) var status: PassStatus
    /// The software version.
    public var version: String
    /// The frozen conditions-database state, or nil for the live one.
    public var conditionsTag: String?
    /// Higher runs first in the `priority` queue order.
    public var priority: Int
    /// ISO-8601 UTC wall time of creation (the `serial` queue order).
    public var created: String
    /// The site the pass is locked to, nil when unlocked.
    public var site: String?
    /// Campaign labels.
    public var labels: [String]
    /// The passes of other modules of the same run this pass waits for.
    public var prerequisites: [PrerequisiteLink]
    /// How many times it has been submitted.
    public var attempts: Int
    /// The most attempts allowed before it stays `failed`.
    public var maxAttempts: Int
    /// The last failure's text.
    public var lastError: String?
    /// Not to be claimed before this ISO-8601 time (retry backoff).
    public var notBefore: String?
    /// Every status change, oldest first.
    public private(set) var history: [HistoryEntry]
    /// The batch jobs.
    public var subjobs: [Subjob]
    /// The production parameters, for production passes.
    public var request: JSONValue?
    /// The input kind (e.g. `L1`, `L2`), for processing passes.
    public var inputKind: String?
    /// The id of the enqueue request or production request that created the pass: a second
    /// run of the same request finds it and creates nothing.
    public var requestID: String?
    /// Members this type does not know, kept on rewrite.
    public var extra: JSONObject

    /// A new `waiting` pass, with its creation entry in the history.
    public init(
        pass: Int, version: String, conditionsTag: String? = nil, priority: Int = 0, created: Date,
        labels: [String] = [], prerequisites: [PrerequisiteLink] = [], maxAttempts: Int = 3,
        subjobs: [Subjob] = [], request: JSONValue? = nil, inputKind: String? = nil, requestID: String? = nil,
        site: String? = nil, epoch: Int64? = nil, reason: String? = "created"
    ) {
        let time = Timestamp.string(created)
        self.init(
            pass: pass, status: .waiting, version: version, conditionsTag: conditionsTag, priority: priority,
            created: time, site: nil, labels: labels, prerequisites: prerequisites, attempts: 0,
            maxAttempts: maxAttempts, lastError: nil, notBefore: nil,
            history: [HistoryEntry(time: time, from: nil, to: .waiting, site: site, epoch: epoch, reason: reason)],
            subjobs: subjobs, request: request, inputKind: inputKind, requestID: requestID, extra: [:])
    }

    /// A pass with every member given, as read from a document.
    public init(
        pass: Int, status: PassStatus, version: String, conditionsTag: String?, priority: Int, created: String,
        site: String?, labels: [String], prerequisites: [PrerequisiteLink], attempts: Int, maxAttempts: Int,
        lastError: String?, notBefore: String?, history: [HistoryEntry], subjobs: [Subjob], request: JSONValue?,
        inputKind: String?, requestID: String?, extra: JSONObject
    ) {
        self.pass = pass
        self.status = status
        self.version = version
        self.conditionsTag = conditionsTag
        self.priority = priority
        self.created = created
        self.site = site
        self.labels = labels
        self.prerequisites = prerequisites
        self.attempts = attempts
        self.maxAttempts = maxAttempts
        self.lastError = lastError
        self.notBefore = notBefore
        self.history = history
        self.subjobs = subjobs
        self.request = request
        self.inputKind = inputKind
        self.requestID = requestID
        self.extra = extra
    }

    /// Moves the pass to `next`, appending a history entry, or throws when the state machine
    /// does not allow the move (the pass is then unchanged).
    public mutating func transition(
        to next: PassStatus, at time: Date, site: String? = nil, epoch: Int64? = nil, reason: String? = nil
    ) throws(TransitionError) {
        guard status.canMove(to: next) else { throw TransitionError(from: status, to: next, pass: pass) }
        history.append(HistoryEntry(time: Timestamp.string(time), from: status, to: next, site: site, epoch: epoch, reason: reason))
        status = next
    }

    /// True when every attempt allowed has been used.
    public var attemptsExhausted: Bool { attempts >= maxAttempts }

    /// True when the pass will not complete without an operator: it is in an end state other
    /// than `completed` (`failed`, `partFail`, `unsatisfied`, `canceled`, `deleted`), whatever
    /// its attempt count. The cycle decides retries before a pass gets there (a failure it
    /// retries goes back to `waiting`), so `failed` with attempts left is a failure the retry
    /// policy gave up on; an operator's retry makes it `waiting` again. Its waiting dependants
    /// become `unsatisfied` (``PrerequisiteResolver``) and its run `failed` (``RunStatusRule``).
    public var failedForGood: Bool { status.isEnd && status != .completed }
}

// MARK: - JSON

extension Pass {
    static let known: Set<String> = [
        "pass", "status", "version", "conditions_tag", "priority", "created", "site", "labels", "prerequisites",
        "attempts", "max_attempts", "last_error", "not_before", "history", "subjobs", "request", "input_kind", "request_id",
    ]

    init(reader r: MemberReader) throws(DocumentError) {
        let statusText = try r.string("status")
        guard let status = PassStatus(rawValue: statusText) else { throw r.fail("status", "unknown status \(statusText)") }
        let number = try r.int("pass")
        guard number >= 1 else { throw r.fail("pass", "must be 1 or more") }
        var prerequisites: [PrerequisiteLink] = []
        for item in try r.objects("prerequisites") { prerequisites.append(try PrerequisiteLink(reader: item)) }
        var history: [HistoryEntry] = []
        for item in try r.objects("history") { history.append(try HistoryEntry(reader: item)) }
        var subjobs: [Subjob] = []
        for item in try r.objects("subjobs") { subjobs.append(try Subjob(reader: item)) }
        let request = r.members["request"].flatMap { $0.isNull ? nil : $0 }
        self.init(
            pass: number, status: status, version: try r.optionalString("version") ?? "",
            conditionsTag: try r.optionalString("conditions_tag"), priority: try r.int("priority", default: 0),
            created: try r.optionalString("created") ?? "", site: try r.optionalString("site"), labels: try r.strings("labels"),
            prerequisites: prerequisites, attempts: try r.int("attempts", default: 0),
            maxAttempts: try r.int("max_attempts", default: 3), lastError: try r.optionalString("last_error"),
            notBefore: try r.optionalString("not_before"), history: history, subjobs: subjobs, request: request,
            inputKind: try r.optionalString("input_kind"), requestID: try r.optionalString("request_id"),
            extra: r.extra(known: Self.known))
    }

    /// The pass as JSON, with the member names the `Views/` read.
    public var json: JSONValue { writtenJSON }

    /// Appends ``json`` as compact JSON text to `out`.
    func write(into out: inout [UInt8]) {
        JSONObjectWriter.write(into: &out, extra: extra) { m in
            m.member("pass", int: pass)
            m.member("status", string: status.rawValue)
            m.member("version", string: version)
            m.member("conditions_tag", string: conditionsTag)
            m.member("priority", int: priority)
            m.member("created", string: created)
            m.member("site", string: site)
            m.member("labels", count: labels.count) { i, out in JSONWriter.writeString(labels[i], into: &out) }
            m.member("prerequisites", count: prerequisites.count) { i, out in prerequisites[i].write(into: &out) }
            m.member("attempts", int: attempts)
            m.member("max_attempts", int: maxAttempts)
            m.member("last_error", string: lastError)
            m.member("not_before", string: notBefore)
            m.member("history", count: history.count) { i, out in history[i].write(into: &out) }
            m.member("subjobs", count: subjobs.count) { i, out in subjobs[i].write(into: &out) }
            if let request { m.member("request", request) }
            m.member("input_kind", string: inputKind)
            if let requestID { m.member("request_id", string: requestID) }
        }
    }
}
