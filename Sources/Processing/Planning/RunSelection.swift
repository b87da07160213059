/// Which runs an `enqueue` covers: the `offline_processing` modes.
public enum RunSelection: Sendable, Hashable {
    /// `-r START`: loop, sensing newly complete runs from START on.
    case startRun(Int)
    /// `-b START END`: loop over complete runs from START, never past END.
    case block(Int, Int)
    /// `-R START END`: reprocess the registered runs START…END (inclusive).
    case range(Int, Int)
    /// `-A RUN`: reprocess every registered run from RUN on (inclusive).
    case after(Int)
    /// `-1 RUN…` or `-L FILE`: reprocess exactly these runs.
    case runs([Int])
    /// `--pending`: runs whose `processing_status` is `pending`.
    case pending

    /// True for the modes that sense new runs (and set calibration locks).
    public var isSensing: Bool {
        switch self {
        case .startRun, .block, .pending: true
        case .range, .after, .runs: false
        }
    }

    /// True for the modes that loop.
    public var loops: Bool {
        switch self {
        case .startRun, .block: true
        default: false
        }
    }

    /// The selection's problems: reversed ranges, negative or too large run numbers.
    public func problems() -> [InputProblem] {
        func check(_ run: Int, _ name: String) -> InputProblem? {
            (0...RunNumber.maximum).contains(run) ? nil
                : InputProblem(.notARun, source: "arguments", key: name, "\(run) is not a run number (0…\(RunNumber.maximum))")
        }
        var found: [InputProblem] = []
        switch self {
        case .startRun(let run), .after(let run):
            found += [check(run, "RUN")].compactMap { $0 }
        case .block(let start, let end), .range(let start, let end):
            found += [check(start, "START"), check(end, "END")].compactMap { $0 }
            if start > end { found.append(InputProblem(.reversedRange, source: "arguments", key: "START END", "the range \(start)…\(end) is reversed (START is after END)")) }
        case .runs(let runs):
            found += runs.compactMap { check($0, "RUN") }
            if runs.isEmpty { found.append(InputProblem(.notARun, source: "arguments", key: "RUN", "no run given")) }
        case .pending:
            break
        }
        return found
    }

    /// The selection as text for request ids: the same runs asked the same way give the same text.
    public var canonical: String {
        switch self {
        case .startRun: "sense"
        case .block: "sense"
        case .pending: "pending"
        case .range(let a, let b): "range:\(a)-\(b)"
        case .after(let a): "after:\(a)"
        case .runs(let runs): "runs:" + Array(Set(runs)).sorted().map(String.init).joined(separator: ",")
        }
    }
}
