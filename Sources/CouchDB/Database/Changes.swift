import JSON

/// Parameters of a `_changes` feed.
public struct ChangesQuery: Sendable, Hashable {
    /// How the server answers.
    public enum Feed: String, Sendable, Hashable {
        /// Answer at once with what there is.
        case normal
        /// Wait (up to `timeout`) until there is at least one change, then answer.
        case longpoll
    }

    /// Which changes to list.
    public enum Filter: Sendable, Hashable {
        /// Only these document ids (`filter=_doc_ids`, ids sent in a POST body).
        case documentIDs([String])
        /// Only design documents (`filter=_design`).
        case design
        /// A filter function `ddoc/name` of a design document, with extra query parameters.
        case custom(String, parameters: [String: String] = [:])
        /// Documents a view's map function emits for (`filter=_view&view=ddoc/view`).
        case view(String)
    }

    /// Which revisions each change lists.
    public enum Style: String, Sendable, Hashable {
        /// Only the winning revision.
        case mainOnly = "main_only"
        /// Every leaf revision (conflicts included).
        case allDocs = "all_docs"
    }

    /// `normal` or `longpoll`.
    public var feed: Feed
    /// Start after this sequence (nil = from the beginning, ``UpdateSequence/now`` = from now).
    public var since: UpdateSequence?
    /// At most this many changes per request (a normal feed pages on until it has caught up).
    public var limit: Int?
    /// Include each changed document as `doc`.
    public var includeDocs: Bool
    /// With `includeDocs`, add `_conflicts`.
    public var conflicts: Bool
    /// Newest first (normal feed only).
    public var descending: Bool
    /// Only some changes.
    public var filter: Filter?
    /// Which revisions each change lists.
    public var style: Style
    /// How long a longpoll request waits for a change before answering empty.
    public var timeout: Duration

    /// Makes a query.
    public init(
        feed: Feed = .normal, since: UpdateSequence? = nil, limit: Int? = nil, includeDocs: Bool = false,
        conflicts: Bool = false, descending: Bool = false, filter: Filter? = nil, style: Style = .mainOnly,
        timeout: Duration = .seconds(60)
    ) {
        self.feed = feed
        self.since = since
        self.limit = limit
        self.includeDocs = includeDocs
        self.conflicts = conflicts
        self.descending = descending
        self.filter = filter
        self.style = style
        self.timeout = timeout
    }

    func queryItems(since: UpdateSequence?) -> [(String, String)] {
        var items: [(String, String)] = []
        if feed == .longpoll {
            items.append(("feed", "longpoll"))
            items.append(("timeout", String(Int(timeout.seconds * 1000))))
        }
        if let since { items.append(("since", since.queryValue)) }
        if let limit { items.append(("limit", String(limit))) }
        if includeDocs { items.append(("include_docs", "true")) }
        if conflicts { items.append(("conflicts", "true")) }
        if descending { items.append(("descending", "true")) }
        if style == .allDocs { items.append(("style", "all_docs")) }
        switch filter {
        case .none: break
        case .documentIDs: items.append(("filter", "_doc_ids"))
        case .design: items.append(("filter", "_design"))
        case .custom(let name, let parameters):
            items.append(("filter", name))
            for key in parameters.keys.sorted() { items.append((key, parameters[key]!)) }
        case .view(let name):
            items.append(("filter", "_view"))
            items.append(("view", name))
        }
        return items
    }
}

/// One changed document.
public struct Change: Sendable, Hashable {
    /// The sequence of this change.
    public var sequence: UpdateSequence
    /// The document id.
    public var id: String
    /// The leaf revisions (one unless `style` is `allDocs`).
    public var revs: [String]
    /// True when the document is deleted.
    public var deleted: Bool
    /// The document, with `includeDocs`.
    public var doc: JSONValue?
}

/// The answer of one `_changes` request.
public struct ChangesBatch: Sendable, Hashable {
    /// The changes, in sequence order.
    public var results: [Change]
    /// Where the next request continues (`since`).
    public var lastSequence: UpdateSequence
    /// How many changes remain after this batch (when the server says).
    public var pending: Int?
}

extension CouchDatabase {
    /// One `_changes` request from `query.since`, without resuming or paging.
    public func changesOnce(_ query: ChangesQuery) async throws(CouchError) -> ChangesBatch {
        try await changesRequest(query, since: query.since, maxAttempts: nil)
    }

    /// The `_changes` feed as an `AsyncSequence` of batches (``ChangesFeed/singleChanges`` gives
    /// one change at a time).
    ///
    /// A normal feed pages through what is there (in pages of `limit`) and ends when it has
    /// caught up. A longpoll feed never ends: each request waits for changes and the next one
    /// continues from the last sequence; empty answers are not yielded. Both survive transport
    /// failures and 5xx answers: they wait (jittered exponential backoff) and resume from the
    /// last sequence they yielded, so no change is skipped. Any other error ends the sequence by
    /// throwing. Cancelling the task ends it quietly.
    public func changes(_ query: ChangesQuery = ChangesQuery()) -> ChangesFeed {
        ChangesFeed(database: self, query: query)
    }

    func changesRequest(_ query: ChangesQuery, since: UpdateSequence?, maxAttempts: Int?) async throws(CouchError) -> ChangesBatch {
        var request: CouchRequest
        let changesPath = path + "/_changes"
        if case .documentIDs(let ids) = query.filter {
            request = CouchRequest(.POST, changesPath, query: query.queryItems(since: since), idempotent: true)
            request.setJSON(["doc_ids": .array(ids.map { .string($0) })])
        } else {
            request = CouchRequest(.GET, changesPath, query: query.queryItems(since: since))
        }
        if query.feed == .longpoll {
            request.timeout = query.timeout + client.configuration.requestTimeout
        }
        request.maxAttempts = maxAttempts
        let response = try await client.send(request)
        let body = try response.object()
        guard let results = body["results"]?.arrayValue, let last = body["last_seq"] else {
            throw response.decodingError("expected `results` and `last_seq`")
        }
        var changes: [Change] = []
        changes.reserveCapacity(results.count)
        for item in results {
            guard let id = item["id"]?.stringValue, let seq = item["seq"] else {
                throw response.decodingError("a change without `id` or `seq`")
            }
            changes.append(Change(
                sequence: UpdateSequence(seq), id: id,
                revs: item["changes"]?.arrayValue?.compactMap { $0["rev"]?.stringValue } ?? [],
                deleted: item["deleted"]?.boolValue ?? false,
                doc: item["doc"].nonNull))
        }
        return ChangesBatch(results: changes, lastSequence: UpdateSequence(last), pending: body["pending"]?.intValue)
    }
}

/// A `_changes` feed; see ``CouchDatabase/changes(_:)``.
public struct ChangesFeed: AsyncSequence, Sendable {
    public typealias Element = ChangesBatch

    /// The database.
    public let database: CouchDatabase
    /// The query; its `since` is where the feed starts.
    public let query: ChangesQuery
    /// Consecutive failed requests tolerated before the feed throws (nil = keep trying).
    public var maxConsecutiveFailures: Int?

    init(database: CouchDatabase, query: ChangesQuery) {
        self.database = database
        self.query = query
    }

    /// The same feed, one change at a time.
    public var singleChanges: SingleChanges { SingleChanges(feed: self) }

    public func makeAsyncIterator() -> Iterator {
        Iterator(feed: self, since: query.since)
    }

    /// Iterates a ``ChangesFeed``.
    public struct Iterator: AsyncIteratorProtocol {
        let feed: ChangesFeed
        /// The sequence the next request continues from.
        public private(set) var since: UpdateSequence?
        private var finished = false
        private var failures = 0

        init(feed: ChangesFeed, since: UpdateSequence?) {
            self.feed = feed
            self.since = since
        }

        public mutating func next() async throws(CouchError) -> ChangesBatch? {
            let policy = feed.database.client.configuration.retry
            while !finished {
                if Task.isCancelled { return nil }
                let batch: ChangesBatch
                do {
                    batch = try await feed.database.changesRequest(feed.query, since: since, maxAttempts: 1)
                } catch where error.code == .cancelled || Task.isCancelled {
                    return nil
                } catch where error.isTransient {
                    failures += 1
                    if let limit = feed.maxConsecutiveFailures, failures >= limit {
                        finished = true
                        throw error
                    }
                    feed.database.client.logger.notice(
                        "CouchDB _changes request failed, resuming",
                        metadata: ["db": "\(feed.database.name)", "since": "\(since?.queryValue ?? "0")",
                                   "error": "\(error)"])
                    do {
                        try await Task.sleep(for: policy.delay(afterAttempt: Swift.min(failures, 8)))
                    } catch {
                        return nil
                    }
                    continue
                } catch {
                    finished = true
                    throw error
                }
                failures = 0
                since = batch.lastSequence
                switch feed.query.feed {
                case .normal:
                    let more = feed.query.limit != nil && (batch.pending ?? 0) > 0 && !batch.results.isEmpty
                    if !more { finished = true }
                    return batch
                case .longpoll:
                    if !batch.results.isEmpty { return batch }
                }
            }
            return nil
        }
    }
}

/// A ``ChangesFeed`` flattened to single changes.
public struct SingleChanges: AsyncSequence, Sendable {
    public typealias Element = Change
    let feed: ChangesFeed

    public func makeAsyncIterator() -> Iterator {
        Iterator(batches: feed.makeAsyncIterator())
    }

    /// Iterates single changes.
    public struct Iterator: AsyncIteratorProtocol {
        var batches: ChangesFeed.Iterator
        var buffered: [Change] = []
        var position = 0

        public mutating func next() async throws(CouchError) -> Change? {
            while position >= buffered.count {
                guard let batch = try await batches.next() else { return nil }
                buffered = batch.results
                position = 0
            }
            defer { position += 1 }
            return buffered[position]
        }
    }
}
