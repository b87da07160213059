import JSON

/// One batch job of a pass: one per subfile for a `sub_run` module, one (subrun nil) otherwise.
public struct Subjob: Sendable, Hashable, WrittenAsJSON {
    /// The subfile number, or nil for a run-level subjob.
    public var subrun: Int?
    /// The subjob's status.
    public var status: PassStatus
    /// The backend's id for the batch job, once submitted.
    public var backendID: String?
    /// The backend's name for the batch job (carries the pass identity and attempt).
    public var backendName: String?
    /// ISO-8601 times of submission, start and end.
    public var submitted: String?
    public var started: String?
    public var finished: String?
    /// The batch job's exit code.
    public var exitCode: Int?
    /// CPU time used, in seconds.
    public var cpuSeconds: Double?
    /// Members this type does not know, kept on rewrite.
    public var extra: JSONObject

    /// A waiting subjob.
    public init(subrun: Int?, status: PassStatus = .waiting) {
        self.subrun = subrun
        self.status = status
        self.extra = [:]
    }

    static let known: Set<String> = [
        "subrun", "status", "backend_id", "backend_name", "submitted", "started", "finished", "exit_code", "cpu_seconds",
    ]

    init(reader r: MemberReader) throws(DocumentError) {
        let text = try r.string("status")
        guard let status = PassStatus(rawValue: text) else { throw r.fail("status", "unknown status \(text)") }
        self.init(subrun: try r.optionalInt("subrun"), status: status)
        backendID = try r.optionalString("backend_id")
        backendName = try r.optionalString("backend_name")
        submitted = try r.optionalString("submitted")
        started = try r.optionalString("started")
        finished = try r.optionalString("finished")
        exitCode = try r.optionalInt("exit_code")
        cpuSeconds = try r.optionalDouble("cpu_seconds")
        extra = r.extra(known: Self.known)
    }

    /// The subjob as JSON.
    public var json: JSONValue { writtenJSON }

    /// Appends ``json`` as compact JSON text to `out`.
    func write(into out: inout [UInt8]) {
        JSONObjectWriter.write(into: &out, extra: extra) { m in
            m.member("subrun", int: subrun)
            m.member("status", string: status.rawValue)
            m.member("backend_id", string: backendID)
            m.member("backend_name", string: backendName)
            m.member("submitted", string: submitted)
            m.member("started", string: started)
            m.member("finished", string: finished)
            m.member("exit_code", int: exitCode)
            m.member("cpu_seconds", cpuSeconds.map(JSONValue.seconds) ?? .null)
        }
    }
}

extension JSONValue {
    /// A number of seconds: an integer literal when whole, so documents stay tidy.
    static func seconds(_ value: Double) -> JSONValue {
        MemberReader.integral(value).map { .int($0) } ?? .double(value)
    }
}
