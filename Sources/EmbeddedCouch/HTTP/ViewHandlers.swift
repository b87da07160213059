import JSON
import ViewEngine

/// `/{db}/_design/{ddoc}/_view/{view}`: map rows or reduced groups from the design
/// document's index, brought up to date first unless the query says otherwise.
extension CouchService {
    func viewRequest(_ context: DatabaseContext, designID: String, rest: ArraySlice<String>) async throws -> CouchResponse {
        let request = context.request
        guard rest.count == 2, let name = rest.last, !name.isEmpty, ["GET", "HEAD", "POST"].contains(request.method) else {
            throw methodNotAllowed("GET,POST,HEAD")
        }
        try context.authorize(.read)
        var body: JSONValue?
        if request.method == "POST" {
            try request.requireJSONContentType()
            body = try request.jsonBody()
        }
        let query = try ViewQuery(query: request.query, body: body)
        guard let design = try await views.designs.design(context.store, id: designID) else { throw CouchHTTPError.notFound() }
        guard let functions = design.functions, let viewIndex = functions.viewIndex(named: name) else {
            throw CouchHTTPError.notFound("missing_named_view")
        }
        let view = functions.views[viewIndex]
        let reducing = try query.validate(hasReduce: view.reduce != nil)

        let state: ViewIndexState
        switch query.update {
        case .now:
            state = try await updateIndex(context.store, design, functions)
        case .never, .after:
            // The index as it is (an empty one when it was never built).
            state = try await context.store.viewIndexState(ddoc: design.id, signature: design.signature)
        }
        let response: CouchResponse
        if reducing, let reduce = view.reduce {
            response = try await reducedView(context, query: query, state: state, view: viewIndex, reduce: reduce)
        } else {
            response = try await mapView(context, query: query, state: state, view: viewIndex)
        }
        if query.update == .after {
            _ = try await updateIndex(context.store, design, functions)
        }
        return response
    }

    /// Brings the index up to date; a query server failing (a timeout, a crash) is CouchDB's
    /// 500 with the engine's error name.
    private func updateIndex(_ store: DatabaseStore, _ design: LoadedDesign, _ functions: DesignDocument) async throws -> ViewIndexState {
        do {
            return try await views.indexer.update(store, design, functions: functions)
        } catch let error as ViewEngineError {
            throw CouchHTTPError(status: error.httpStatus, error: error.couchError, reason: error.reason)
        }
    }

    // MARK: Map rows

    private func mapView(_ context: DatabaseContext, query: ViewQuery, state: ViewIndexState, view: Int) async throws -> CouchResponse {
        let store = context.store
        var rows: [ViewRow] = []
        if let keys = query.keys {
            // Each key's rows in turn, then skip and limit over the whole list.
            var remainingSkip = query.skip
            for key in keys {
                if let limit = query.limit, rows.count >= limit { break }
                let range = ViewQuery.range(forKey: key, descending: query.descending)
                var found = try await store.viewRows(index: state.index, view: view, range: range, skip: 0, limit: nil)
                if remainingSkip > 0 {
                    let dropped = min(remainingSkip, found.count)
                    found.removeFirst(dropped)
                    remainingSkip -= dropped
                }
                rows += found
            }
            if let limit = query.limit, rows.count > limit { rows.removeLast(rows.count - limit) }
        } else {
            rows = try await store.viewRows(index: state.index, view: view, range: query.range, skip: query.skip, limit: query.limit)
        }
        let counts = try await views.ranks.counts(
            store, index: state.index, view: view, seq: state.seq, before: query.offsetBound, descending: query.descending)
        let offset = min(counts.before + (query.keys == nil ? query.skip : 0), counts.total)

        var out = JSONBytes(capacity: 64 + rows.count * 64)
        out.raw("{\"total_rows\":")
        out.int(counts.total)
        out.raw(",\"offset\":")
        out.int(offset)
        if query.updateSeq {
            out.key("update_seq")
            out.string(store.sequence.string(state.seq))
        }
        out.raw(",\"rows\":[")
        for (i, row) in rows.enumerated() {
            out.raw(i == 0 ? "{\"id\":" : ",{\"id\":")
            out.string(row.id)
            out.raw(",\"key\":")
            out.raw(row.key)
            out.raw(",\"value\":")
            out.raw(row.value)
            if query.includeDocs {
                out.raw(",\"doc\":")
                try await writeLinkedDocument(store, row: row, into: &out)
            }
            out.raw("}")
        }
        out.raw("]}")
        return CouchResponse(status: 200, headers: [("ETag", "\"\(state.index)-\(state.seq)\"")], body: out.response)
    }

    /// The document a row stands for: the emitting one, or the one its value links with
    /// `{"_id": ..., "_rev": ...}`; `null` when missing or deleted.
    private func writeLinkedDocument(_ store: DatabaseStore, row: ViewRow, into out: inout JSONBytes) async throws {
        var id = row.id
        var rev: RevisionID?
        if row.value.first == UInt8(ascii: "{"), let value = try? JSONParser.parse(row.value), let linked = value["_id"]?.stringValue {
            id = linked
            rev = value["_rev"]?.stringValue.flatMap(RevisionID.init)
        }
        guard let (record, revision) = try await store.document(id: id, rev: rev), let revision,
              rev != nil || !record.deleted, !revision.deleted
        else {
            out.raw("null")
            return
        }
        DocumentJSON.write(id: id, revision: revision, into: &out)
    }

    // MARK: Reduce

    private func reducedView(
        _ context: DatabaseContext, query: ViewQuery, state: ViewIndexState, view: Int, reduce: ReduceFunction
    ) async throws -> CouchResponse {
        let store = context.store
        let level = ViewGrouping.level(of: query)
        let groups = try await ViewGrouping.groups(
            store, state: state, view: view, query: query, reduce: reduce, strategy: ViewGrouping.strategy(for: query, reduce: reduce))

        var out = JSONBytes(capacity: 64 + groups.count * 48)
        out.raw("{")
        if query.updateSeq {
            out.key("update_seq", first: true)
            out.string(store.sequence.string(state.seq))
            out.raw(",")
        }
        out.raw("\"rows\":[")
        for (i, group) in groups.enumerated() {
            let value = try await ViewGrouping.reduce(group, with: reduce, pool: views.indexer.pool)
            out.raw(i == 0 ? "{\"key\":" : ",{\"key\":")
            if let key = ViewGrouping.groupKey(group, level: level) { out.value(key) } else { out.raw("null") }
            out.raw(",\"value\":")
            out.value(value)
            out.raw("}")
        }
        out.raw("]}")
        return CouchResponse(status: 200, headers: [("ETag", "\"\(state.index)-\(state.seq)\"")], body: out.response)
    }
}
