import Backends
import CouchDB
import Enqueue
import Foundation
import JSON
import Lease
import Logging
import Processing

/// The gasp cycle, run by the lease holder (DESIGN.md, "The gasp cycle"): monitor this site's
/// passes through its batch system, verify and catalogue the outputs of finished ones, retry
/// transient failures, reset stuck passes, then claim and submit waiting passes in queue order.
///
/// Exactly once: a claim (status `submitted`, the site lock, the attempt and the batch job
/// names) is written before anything is submitted; the batch job name carries the pass, attempt
/// and subrun; a subjob claimed but without a recorded batch id is looked up by name before it
/// is submitted, so a holder that died between the two never causes a second submission.
/// Every write carries the lease epoch.
public struct ProcessingCycle: GuardedCycle {
    /// The fleet's database.
    public let database: CouchDatabase
    /// This site's batch system.
    public let backend: any BatchBackend
    /// Capacity, versions, queue order, output root.
    public let settings: CycleSettings
    let store: JobStore
    let catalogues: CatalogueCache
    let logger: Logger
    let clock: @Sendable () -> Date

    /// A cycle submitting to `backend`; `clock` is the wall clock for history entries, retry
    /// times and scheduled windows.
    public init(
        database: CouchDatabase, backend: any BatchBackend, settings: CycleSettings, logger: Logger,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.database = database
        self.backend = backend
        self.settings = settings
        self.store = JobStore(database: database)
        self.catalogues = CatalogueCache(database: database)
        self.logger = logger
        self.clock = clock
    }

    public func runCycle(_ term: LeaseTerm, context: CycleContext) async throws -> CycleSummary {
        var counts = Counts()
        if let sense = settings.sense { try await senseRuns(sense, term: term, context: context, counts: &counts) }
        try term.checkHeld()
        let authority = CycleAuthority(term: term, context: context)
        let active = try await monitor(authority: authority, context: context, counts: &counts)
        if authority.siteMayAct { try await cleanUpAbandoned(authority: authority, counts: &counts) }
        try term.checkHeld()
        try await resetDeadSites(term: term, context: context, counts: &counts)
        try term.checkHeld()
        // Nothing is claimed while the site may not act on its batch system (its heartbeat
        // only just started, or stalled): the claims could not be submitted.
        if context.mayClaim && authority.siteMayAct {
            let free = max(0, settings.capacity - active)
            if free > 0 { try await claimAndSubmit(free: free, term: term, context: context, counts: &counts) }
        }
        try term.checkHeld()
        for schedule in settings.schedules { try await createDueWindows(schedule, term: term, counts: &counts) }
        return CycleSummary(counts: counts.values.filter { $0.value > 0 })
    }

    public func runSiteCycle(context: CycleContext) async throws -> CycleSummary {
        var counts = Counts()
        let authority = CycleAuthority(context: context)
        _ = try await monitor(authority: authority, context: context, counts: &counts)
        if authority.siteMayAct { try await cleanUpAbandoned(authority: authority, counts: &counts) }
        return CycleSummary(counts: counts.values.filter { $0.value > 0 })
    }

    /// Counts of what a cycle did, by name.
    struct Counts {
        var values: [String: Int] = [:]
        mutating func add(_ name: String, _ count: Int = 1) { values[name, default: 0] += count }
    }

    /// Now, for history entries, retry times and windows.
    func now() -> Date { clock() }
}

/// The module catalogues by version, read from `catalogue:<version>` documents once per worker.
actor CatalogueCache {
    let database: CouchDatabase
    private var catalogues: [String: ModuleCatalogue] = [:]

    init(database: CouchDatabase) { self.database = database }

    /// The catalogue of `version`, nil when there is none (or it cannot be read).
    func catalogue(_ version: String) async -> ModuleCatalogue? {
        if let known = catalogues[version] { return known }
        // A missing catalogue is asked for again next time: an operator may be installing it.
        guard let catalogue = try? await CatalogueStore.fetch(version: version, from: database) else {
            return nil
        }
        catalogues[version] = catalogue
        return catalogue
    }

    /// The module definition of `module` in `version`.
    func module(_ module: String, version: String) async -> ModuleDefinition? {
        await catalogue(version)?.module(module)
    }
}
