import JSON

/// Reads the files operators hand to gasp: run lists (`-L`: one run number a line) and run
/// registrations (`gasp runs import`: CSV or JSON lines). Every bad line is reported with
/// file:line; nothing is returned when any line is bad.
public enum RunListParser {
    /// Run numbers, one a line; blank lines and `#` comments are ignored.
    public static func runList(_ text: String, file: String) throws(ValidationFailure) -> [Int] {
        var runs: [Int] = []
        var problems: [InputProblem] = []
        for (index, raw) in lines(text).enumerated() {
            let line = stripComment(raw)
            if line.isEmpty { continue }
            if let run = RunNumber.parse(line) {
                runs.append(run)
            } else {
                problems.append(InputProblem(.notARun, source: file, line: index + 1, key: nil, "not a run number: \(line)"))
            }
        }
        if problems.isEmpty, runs.isEmpty { problems.append(InputProblem(.notARun, source: file, key: nil, "lists no run")) }
        guard problems.isEmpty else { throw ValidationFailure(problems) }
        return runs
    }

    /// Run registrations: CSV with a header line naming the columns (`run` and `run_type`
    /// required; `start`, `end`, `complete`, `subfiles`, `processing_status` optional), or JSON
    /// lines (one object a line with the same member names). The format is told by the
    /// first non-blank character: `{` for JSON lines.
    public static func registrations(_ text: String, file: String) throws(ValidationFailure) -> [RunDocument] {
        let all = lines(text)
        let firstContent = all.first { !stripComment($0).isEmpty }.map(stripComment)
        var problems: [InputProblem] = []
        var runs: [RunDocument] = []
        var seen: [Int: Int] = [:]
        func add(_ record: JSONObject, line: Int) {
            switch registration(record, source: file, line: line) {
            case .success(let run):
                if let first = seen[run.run] {
                    problems.append(InputProblem(.invalidValue, source: file, line: line, key: "run", "run \(run.run) is also on line \(first)"))
                } else {
                    seen[run.run] = line
                    runs.append(run)
                }
            case .failure(let found):
                problems += found.problems
            }
        }
        if firstContent?.hasPrefix("{") == true {
            for (index, raw) in all.enumerated() {
                let line = stripComment(raw)
                if line.isEmpty { continue }
                do {
                    let value = try JSONParser.parse(line)
                    guard case .object(let members) = value else {
                        problems.append(InputProblem(.wrongType, source: file, line: index + 1, key: nil, "expected a JSON object"))
                        continue
                    }
                    add(members, line: index + 1)
                } catch {
                    problems.append(InputProblem(.syntax, source: file, line: index + 1, column: error.column, key: nil, "not valid JSON: \(error.message)"))
                }
            }
        } else {
            var header: [String]?
            for (index, raw) in all.enumerated() {
                let line = stripComment(raw)
                if line.isEmpty { continue }
                let cells = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingBlanks }
                guard let columns = header else {
                    let known: Set<String> = ["run", "run_type", "start", "end", "complete", "subfiles", "processing_status"]
                    for cell in cells where !known.contains(cell) {
                        problems.append(InputProblem(.unknownKey, source: file, line: index + 1, key: cell,
                                                     "unknown column (known: \(known.sorted().joined(separator: ", ")))"))
                    }
                    if !cells.contains("run") {
                        problems.append(InputProblem(.missingKey, source: file, line: index + 1, key: "run", "the header line needs a run column"))
                    }
                    header = cells
                    continue
                }
                guard cells.count == columns.count else {
                    problems.append(InputProblem(.invalidValue, source: file, line: index + 1, key: nil,
                                                 "\(cells.count) fields where the header has \(columns.count)"))
                    continue
                }
                var record: JSONObject = [:]
                for (column, cell) in zip(columns, cells) where !cell.isEmpty {
                    switch column {
                    case "run", "subfiles":
                        record[column] = Int(cell).map { .int($0) } ?? .string(cell)
                    case "complete":
                        record[column] = ["true", "yes", "1"].contains(cell.lowercased()) ? true
                            : ["false", "no", "0"].contains(cell.lowercased()) ? false : .string(cell)
                    default:
                        record[column] = .string(cell)
                    }
                }
                add(record, line: index + 1)
            }
        }
        if problems.isEmpty, runs.isEmpty { problems.append(InputProblem(.notARun, source: file, key: nil, "registers no run")) }
        guard problems.isEmpty else { throw ValidationFailure(problems) }
        return runs
    }

    /// One registration record (CSV row or JSON object) as a run document.
    public static func registration(_ record: JSONObject, source: String, line: Int?) -> Result<RunDocument, ValidationFailure> {
        var problems: [InputProblem] = []
        func problem(_ code: InputProblem.Code, _ key: String?, _ message: String) {
            problems.append(InputProblem(code, source: source, line: line, key: key, message))
        }
        let known: Set<String> = ["run", "run_type", "start", "end", "complete", "subfiles", "processing_status"]
        for key in record.keys where !known.contains(key) { problem(.unknownKey, key, "unknown member (known: \(known.sorted().joined(separator: ", ")))") }
        var run: Int?
        switch record["run"] {
        case nil, .null?: problem(.missingKey, "run", "required")
        case .number(let number)?:
            if let value = number.intValue, (0...RunNumber.maximum).contains(value) { run = value } else { problem(.notARun, "run", "\(number) is not a run number") }
        case let other?: problem(.notARun, "run", "\(other.stringValue ?? other.serialized()) is not a run number")
        }
        func text(_ key: String) -> String? {
            switch record[key] {
            case nil, .null?: return nil
            case .string(let s)?: return s
            case let other?:
                problem(.wrongType, key, "expected a string, found \(other.typeName)")
                return nil
            }
        }
        let runType = text("run_type")
        if runType == nil || runType?.isEmpty == true { problem(.noRunType, "run_type", "required: the run type picks the modules") }
        let start = text("start"), end = text("end")
        for (key, value) in [("start", start), ("end", end)] {
            if let value, Timestamp.date(value) == nil { problem(.invalidValue, key, "not an ISO-8601 time: \(value)") }
        }
        var complete = true
        switch record["complete"] {
        case nil, .null?: break
        case .bool(let flag)?: complete = flag
        case let other?: problem(.wrongType, "complete", "expected true or false, found \(other.stringValue ?? other.typeName)")
        }
        var subfiles = 1
        switch record["subfiles"] {
        case nil, .null?: break
        case .number(let number)?:
            if let value = number.intValue, value >= 0 { subfiles = value } else { problem(.invalidValue, "subfiles", "must be a whole number, 0 or more") }
        case let other?: problem(.wrongType, "subfiles", "expected a whole number, found \(other.stringValue ?? other.typeName)")
        }
        var status: ProcessingStatus?
        if let value = text("processing_status") {
            status = ProcessingStatus(rawValue: value)
            if status == nil { problem(.invalidValue, "processing_status", "unknown status \(value) (known: pending, queued, done, failed)") }
        }
        guard problems.isEmpty, let run else { return .failure(ValidationFailure(problems)) }
        return .success(RunDocument(run: run, runType: runType, start: start, end: end, complete: complete, subfiles: subfiles, processingStatus: status))
    }

    static func lines(_ text: String) -> [Substring] {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
    }

    static func stripComment(_ line: Substring) -> String {
        (line.firstIndex(of: "#").map { line[..<$0] } ?? line).trimmingBlanks
    }
}
