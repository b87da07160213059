import Logging
import ViewEngine

/// Everything the server keeps for design documents: their parsed cache, the query-server
/// pool that runs their JavaScript, and the indexer that keeps view indexes current.
///
/// The pool starts children on demand and lives as long as the server; ``shutdown()`` stops
/// them when the server's run scope ends.
struct ViewService: Sendable {
    let designs = DesignDocumentCache()
    let indexer: ViewIndexer

    init(queryServerExecutable: String, logger: Logger) {
        let pool = QueryServerPool(configuration: .init(executable: queryServerExecutable), logger: logger)
        indexer = ViewIndexer(pool: pool)
    }

    /// The query servers.
    var pool: QueryServerPool { indexer.pool }

    /// Stops the query-server children.
    func shutdown() async {
        await pool.shutdown()
    }
}
