import JSON

/// Encodes requests of the query-server line protocol (see ``QueryServer``) and decodes answers.
enum QueryServerRequests {
    /// Which functions of a design document a `load` compiles.
    enum Part: String {
        /// Everything (a compile check).
        case all
        /// The map functions (for indexing).
        case maps
        /// `validate_doc_update` only, so a broken view never blocks writes.
        case validate
    }

    static func load(_ design: DesignDocument, key: String?, part: Part = .all) -> [UInt8] {
        var maps: [JSONValue] = []
        var reduces: [JSONValue] = []
        for view in design.views where part != .validate {
            maps.append(["name": .string(view.name), "map": .string(view.map)])
            if part == .all, case .javaScript(let source) = view.reduce {
                reduces.append(["name": .string(view.name), "reduce": .string(source)])
            }
        }
        let request: JSONValue = [
            "op": "load",
            "key": key.map { .string($0) } ?? .null,
            "maps": .array(maps),
            "reduces": .array(reduces),
            "validate": part == .maps ? .null : design.validateDocUpdate.map { .string($0) } ?? .null,
            "ddoc": design.document,
        ]
        return line(request)
    }

    /// A map request over documents given as JSON text (one value each).
    static func map(key: String, documents: ArraySlice<[UInt8]>) -> [UInt8] {
        var out: [UInt8] = Array(#"{"op":"map","key":"#.utf8)
        JSONWriter.writeString(key, into: &out)
        out.append(contentsOf: #","docs":["#.utf8)
        for (i, document) in documents.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            // A raw newline in JSON text can only be white space between tokens.
            if document.contains(0x0A) {
                out.append(contentsOf: document.map { $0 == 0x0A ? 0x20 : $0 })
            } else {
                out.append(contentsOf: document)
            }
        }
        out.append(contentsOf: "]}\n".utf8)
        return out
    }

    static func reduce(source: String, rows: [ReduceRow]) -> [UInt8] {
        let kvs: [JSONValue] = rows.map { [[$0.key, .string($0.id)], $0.value] }
        return line(["op": "reduce", "src": .string(source), "kvs": .array(kvs)])
    }

    static func rereduce(source: String, values: [JSONValue]) -> [UInt8] {
        line(["op": "rereduce", "src": .string(source), "values": .array(values)])
    }

    static func validate(
        key: String, newDocument: JSONValue, oldDocument: JSONValue?, userContext: JSONValue, securityObject: JSONValue
    ) -> [UInt8] {
        line([
            "op": "validate", "key": .string(key), "newDoc": newDocument, "oldDoc": oldDocument ?? .null,
            "userCtx": userContext, "secObj": securityObject,
        ])
    }

    /// A `validate_batch` request: one (newDoc, oldDoc) pair per write, sharing userCtx and secObj.
    static func validateBatch(
        key: String, documents: ArraySlice<ValidationPair>, userContext: JSONValue, securityObject: JSONValue
    ) -> [UInt8] {
        var out: [UInt8] = Array(#"{"op":"validate_batch","key":"#.utf8)
        out.reserveCapacity(documents.count * 128)
        JSONWriter.writeString(key, into: &out)
        out.append(contentsOf: #","docs":["#.utf8)
        for (i, pair) in documents.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "["))
            // A raw newline in JSON text can only be white space between tokens.
            if pair.newDocumentJSON.contains(0x0A) {
                out.append(contentsOf: pair.newDocumentJSON.map { $0 == 0x0A ? 0x20 : $0 })
            } else {
                out.append(contentsOf: pair.newDocumentJSON)
            }
            out.append(UInt8(ascii: ","))
            (pair.oldDocument ?? .null).write(into: &out)
            out.append(UInt8(ascii: "]"))
        }
        out.append(contentsOf: #"],"userCtx":"#.utf8)
        userContext.write(into: &out)
        out.append(contentsOf: #","secObj":"#.utf8)
        securityObject.write(into: &out)
        out.append(contentsOf: "}\n".utf8)
        return out
    }

    static let reset: [UInt8] = line(["op": "reset"])

    private static func line(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        value.write(into: &out)
        out.append(0x0A)
        return out
    }

    /// A decoded answer: the `ok` result and any `log()` messages.
    struct Answer {
        var result: JSONValue
        var log: [String]
    }

    /// Decodes an answer line; an `error` answer becomes a thrown ``ViewEngineError``.
    static func decode(_ line: [UInt8]) throws(ViewEngineError) -> Answer {
        let value: JSONValue
        do {
            value = try JSONParser.parse(line)
        } catch {
            throw ViewEngineError(.processFailed, "query server answered malformed JSON (\(error))")
        }
        let log = value["log"]?.arrayValue?.compactMap(\.stringValue) ?? []
        if let error = value["error"]?.stringValue {
            let reason = value["reason"]?.stringValue ?? ""
            switch error {
            case "compilation_error": throw ViewEngineError(.compilationError, reason)
            default: throw ViewEngineError(.javaScriptError, error == "query_server_error" ? reason : "\(error): \(reason)")
            }
        }
        guard let result = value["ok"] else {
            throw ViewEngineError(.processFailed, "query server answer has neither ok nor error")
        }
        return Answer(result: result, log: log)
    }

    static func mapResults(_ result: JSONValue, design: DesignDocument, count: Int) throws(ViewEngineError) -> [DocumentMapResult] {
        guard let docs = result["rows"]?.arrayValue, docs.count == count else {
            throw ViewEngineError(.processFailed, "query server answered a map request with the wrong shape")
        }
        var out: [DocumentMapResult] = []
        out.reserveCapacity(count)
        for perDoc in docs {
            let perView = perDoc.arrayValue ?? []
            let views: [[EmittedRow]] = perView.map { rows in
                (rows.arrayValue ?? []).map { pair in
                    EmittedRow(key: pair[0] ?? .null, value: pair[1] ?? .null)
                }
            }
            out.append(DocumentMapResult(views: views, failures: []))
        }
        for failure in result["failures"]?.arrayValue ?? [] {
            guard let doc = failure[0]?.intValue, let view = failure[1]?.intValue,
                  out.indices.contains(doc), design.views.indices.contains(view) else { continue }
            out[doc].failures.append(MapFailure(view: design.views[view].name, message: failure[2]?.stringValue ?? ""))
        }
        return out
    }

    static func validationOutcomes(_ result: JSONValue, count: Int) throws(ViewEngineError) -> [ValidationOutcome] {
        guard let outcomes = result.arrayValue, outcomes.count == count else {
            throw ViewEngineError(.processFailed, "query server answered a validate_batch request with the wrong shape")
        }
        return outcomes.map(validationOutcome)
    }

    static func validationOutcome(_ result: JSONValue) -> ValidationOutcome {
        if result == .bool(true) { return .allowed }
        if let message = result["forbidden"]?.stringValue { return .forbidden(message) }
        if let message = result["unauthorized"]?.stringValue { return .unauthorized(message) }
        return .failed(error: result["error"]?.stringValue ?? "unknown_error", reason: result["reason"]?.stringValue ?? "")
    }
}
