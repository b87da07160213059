import CouchDB
import JSON

/// The store figures of `gasp bench store`: bulk insert rate, single PUT latency and
/// sequential GETs, measured against one server through the gasp CouchDB client.
public struct StoreBenchmark: Sendable {
    /// How many small documents the bulk insert writes.
    public var documents: Int
    /// Documents per `_bulk_docs` request.
    public var batchSize: Int
    /// How many single-document PUTs are timed.
    public var singleWrites: Int
    /// How many sequential GETs are timed.
    public var reads: Int

    public init(documents: Int = 100_000, batchSize: Int = 1000, singleWrites: Int = 1000, reads: Int = 1000) {
        self.documents = documents
        self.batchSize = batchSize
        self.singleWrites = singleWrites
        self.reads = reads
    }

    /// What one server measured.
    public struct Figures: Sendable {
        /// Documents written per second by the bulk insert.
        public var bulkInsertRate: Double
        /// Median single PUT latency, ms.
        public var putP50: Double
        /// 99th percentile single PUT latency, ms.
        public var putP99: Double
        /// Total time of the sequential GETs, ms.
        public var getTotal: Double
        /// Median GET latency, ms.
        public var getP50: Double
    }

    /// Runs every measurement in a fresh database on `client`'s server, then deletes it.
    public func run(on client: CouchClient, progress: @Sendable (String) -> Void = { _ in }) async throws -> Figures {
        try await withScratchDatabase(on: client, prefix: "gasp_bench_store") { database in
            try await measure(database, progress: progress)
        }
    }

    private func measure(_ database: CouchDatabase, progress: @Sendable (String) -> Void) async throws -> Figures {
        let clock = ContinuousClock()

        progress("bulk insert of \(documents) documents in batches of \(batchSize)")
        var written = 0
        let bulkTime = try await clock.measure {
            while written < documents {
                let count = min(batchSize, documents - written)
                let batch: [JSONValue] = (written..<(written + count)).map { Self.document(index: $0) }
                let results = try await database.bulkDocs(batch)
                if let failure = results.first(where: { $0.rev == nil }) {
                    throw BenchmarkError("bulk insert rejected \(failure.id ?? "a document"): \(failure)")
                }
                written += count
            }
        }

        progress("\(singleWrites) single PUTs")
        var puts = LatencySamples()
        for i in 0..<singleWrites {
            let document = Self.document(index: documents + i)
            let start = clock.now
            _ = try await database.put(document)
            puts.add(clock.now - start)
        }

        progress("\(reads) sequential GETs")
        var gets = LatencySamples()
        let getTime = try await clock.measure {
            for i in 0..<reads {
                let id = Self.id(index: (i * 7919) % max(documents, 1))
                let start = clock.now
                _ = try await database.get(id)
                gets.add(clock.now - start)
            }
        }

        return Figures(
            bulkInsertRate: Double(documents) / max(bulkTime.secondsValue, 1e-9),
            putP50: puts.percentileMilliseconds(50),
            putP99: puts.percentileMilliseconds(99),
            getTotal: getTime.milliseconds,
            getP50: gets.percentileMilliseconds(50))
    }

    static func id(index: Int) -> String {
        let digits = String(index)
        return "job:bench:" + String(repeating: "0", count: max(0, 10 - digits.count)) + digits
    }

    static func document(index: Int) -> JSONValue {
        [
            "_id": .string(id(index: index)), "type": "job", "module": "bench", "run": .int(index),
            "status": "waiting", "priority": .int(index % 10),
        ]
    }

    /// The figures as table rows, with a reference server's figures when given.
    public static func table(embedded: Figures, reference: Figures?, referenceName: String?, documents: Int, reads: Int) -> BenchmarkTable {
        BenchmarkTable(
            title: "gasp bench store",
            rows: [
                .init(name: "bulk insert, \(documents) docs in batches", unit: "docs/s", higherIsBetter: true,
                      embedded: embedded.bulkInsertRate, reference: reference?.bulkInsertRate, goal: 20_000),
                .init(name: "single PUT p50", unit: "ms", higherIsBetter: false,
                      embedded: embedded.putP50, reference: reference?.putP50, goal: 1),
                .init(name: "single PUT p99", unit: "ms", higherIsBetter: false,
                      embedded: embedded.putP99, reference: reference?.putP99, goal: nil),
                .init(name: "\(reads) sequential GETs, total", unit: "ms", higherIsBetter: false,
                      embedded: embedded.getTotal, reference: reference?.getTotal, goal: nil),
                .init(name: "GET p50", unit: "ms", higherIsBetter: false,
                      embedded: embedded.getP50, reference: reference?.getP50, goal: nil),
            ],
            referenceName: referenceName)
    }
}

/// A benchmark that could not complete.
public struct BenchmarkError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
