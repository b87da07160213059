import Enqueue
import Foundation
import Lease
import Processing

extension ProcessingCycle {
    /// Cycle step 1: new complete runs (after the sensor's cursor) and runs marked pending get
    /// their passes, through the same code as `gasp enqueue`, fenced with the lease epoch; runs'
    /// `processing_status` follows their jobs. Honours the `switch:auto_processing` document.
    func senseRuns(_ sense: CycleSettings.Sense, term: LeaseTerm, context: CycleContext, counts: inout Counts) async throws {
        guard let catalogue = await catalogues.catalogue(sense.version) else {
            logger.warning("run sensing skipped: no catalogue for version \(sense.version) (gasp catalogue install)")
            return
        }
        let clock = self.clock
        let creator = JobCreator(database: database, catalogue: catalogue, epoch: term.epoch, site: context.site, now: clock)
        let spec = EnqueueSpec(version: sense.version, inputKind: sense.inputKind)
        if let start = sense.startRun {
            let step = try await RunSensor(creator: creator, spec: spec).senseOnce(start: start)
            counts.add("sensed", step.outcome.created.count)
        }
        if sense.pending {
            let result = try await PendingRunEnqueuer(creator: creator, spec: spec).enqueuePending()
            counts.add("sensed", result.outcome.created.count)
        }
        let updated = try await RunStatusUpdater(database: database, epoch: term.epoch).updateQueued()
        counts.add("runs updated", updated.count)
    }
}
