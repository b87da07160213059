/// The calibration-lock rule of `offline_processing`: a calibration run sets a lock of its
/// kind, and every *later* run is held back until the lock is released.
public enum CalibrationRule {
    /// The lock that holds `run` back, if any (the one with the lowest calibration run).
    public static func blockingLock(for run: Int, locks: [CalibrationLock]) -> CalibrationLock? {
        locks.filter { $0.holds(run: run) }.min { $0.run < $1.run }
    }

    /// Whether seeing calibration run `run` of `kind` sets (or moves) the lock, given the
    /// lock document of that kind as it is. A run the current calibration already covers (at
    /// or before its lock run while locked, or at or before `valid_to` once released) sets
    /// nothing, so reprocessing an old calibration run does not lock the fleet again.
    public static func setsLock(run: Int, existing: CalibrationLock?) -> Bool {
        guard let existing else { return true }
        // While locked, a later calibration run is itself held back; an earlier one is covered.
        if existing.locked { return false }
        return run > (existing.validTo ?? existing.run)
    }
}
