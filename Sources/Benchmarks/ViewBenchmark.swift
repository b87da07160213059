import CouchDB
import JSON

/// The view figures of `gasp bench views`: index build rate of a simple map, key-lookup
/// latency, and a `group_level=2` reduce over every row, at `documents` documents.
public struct ViewBenchmark: Sendable {
    /// How many documents the database holds.
    public var documents: Int
    /// How many key lookups are timed.
    public var lookups: Int
    /// How many full `group_level=2` reduces are timed.
    public var reduces: Int

    public init(documents: Int = 100_000, lookups: Int = 1000, reduces: Int = 20) {
        self.documents = documents
        self.lookups = lookups
        self.reduces = reduces
    }

    /// What one server measured.
    public struct Figures: Sendable {
        /// Documents indexed per second by the first query of a simple map view.
        public var indexRate: Double
        /// Median key-lookup latency, ms.
        public var lookupP50: Double
        /// Median time of a `group_level=2` reduce over everything, ms.
        public var groupReduceP50: Double
    }

    static let modules = ["Processing", "Analysis", "Reconstruction", "Calibration"]
    static let statuses = ["waiting", "submitted", "running", "completed", "failed"]

    /// Runs every measurement in a fresh database on `client`'s server, then deletes it.
    public func run(on client: CouchClient, progress: @Sendable (String) -> Void = { _ in }) async throws -> Figures {
        try await withScratchDatabase(on: client, prefix: "gasp_bench_views") { database in
            try await measure(database, progress: progress)
        }
    }

    private func measure(_ database: CouchDatabase, progress: @Sendable (String) -> Void) async throws -> Figures {
        let clock = ContinuousClock()
        _ = try await database.put([
            "_id": "_design/simple",
            "views": ["by_run": ["map": "function (doc) { if (doc.type === 'job') emit(doc.run, null); }"]],
        ])
        _ = try await database.put([
            "_id": "_design/counts",
            "views": [
                "by_module_status": [
                    "map": "function (doc) { if (doc.type === 'job') emit([doc.module, doc.status, doc.run], 1); }",
                    "reduce": "_count",
                ],
            ],
        ])

        progress("writing \(documents) documents")
        var written = 0
        while written < documents {
            let count = min(1000, documents - written)
            let batch: [JSONValue] = (written..<(written + count)).map { i in
                [
                    "_id": .string(StoreBenchmark.id(index: i)), "type": "job", "run": .int(i),
                    "module": .string(Self.modules[i % Self.modules.count]),
                    "status": .string(Self.statuses[(i / 7) % Self.statuses.count]),
                ]
            }
            _ = try await database.bulkDocs(batch)
            written += count
        }

        progress("building the index of a simple map view")
        let buildTime = try await clock.measure {
            _ = try await database.view("simple", "by_run", ViewQuery(limit: 0))
        }
        progress("building the index of a reduce view")
        _ = try await database.view("counts", "by_module_status", ViewQuery(limit: 0, reduce: false))

        progress("\(lookups) key lookups")
        var lookupSamples = LatencySamples()
        for i in 0..<lookups {
            let key = (i * 7919) % max(documents, 1)
            let start = clock.now
            let rows = try await database.view("simple", "by_run", ViewQuery(key: .int(key)))
            lookupSamples.add(clock.now - start)
            if rows.rows.count != 1 { throw BenchmarkError("key \(key) gave \(rows.rows.count) rows, expected 1") }
        }

        progress("\(reduces) group_level=2 reduces over everything")
        var reduceSamples = LatencySamples()
        for _ in 0..<reduces {
            let start = clock.now
            let rows = try await database.view("counts", "by_module_status", ViewQuery(groupLevel: 2))
            reduceSamples.add(clock.now - start)
            let total = rows.rows.compactMap(\.value.intValue).reduce(0, +)
            if total != documents { throw BenchmarkError("group_level=2 counted \(total) rows, expected \(documents)") }
        }

        return Figures(
            indexRate: Double(documents) / max(buildTime.secondsValue, 1e-9),
            lookupP50: lookupSamples.percentileMilliseconds(50),
            groupReduceP50: reduceSamples.percentileMilliseconds(50))
    }

    /// The figures as table rows, with a reference server's figures when given.
    public static func table(embedded: Figures, reference: Figures?, referenceName: String?, documents: Int) -> BenchmarkTable {
        BenchmarkTable(
            title: "gasp bench views (\(documents) documents)",
            rows: [
                .init(name: "index build, simple map", unit: "docs/s", higherIsBetter: true,
                      embedded: embedded.indexRate, reference: reference?.indexRate, goal: 20_000),
                .init(name: "key lookup p50", unit: "ms", higherIsBetter: false,
                      embedded: embedded.lookupP50, reference: reference?.lookupP50, goal: 2),
                .init(name: "group_level=2 reduce over all, p50", unit: "ms", higherIsBetter: false,
                      embedded: embedded.groupReduceP50, reference: reference?.groupReduceP50, goal: 50),
            ],
            referenceName: referenceName)
    }
}
