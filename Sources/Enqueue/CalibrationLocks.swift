import CouchDB
import Foundation
import JSON
import Processing

/// The calibration locks of a database: read them, release one (`gasp calibration release`).
public struct CalibrationLocks: Sendable {
    public var database: CouchDatabase
    /// The lease epoch to stamp (nil: keep the document's own).
    public var epoch: Int64?

    /// Makes an accessor.
    public init(database: CouchDatabase, epoch: Int64? = nil) {
        self.database = database
        self.epoch = epoch
    }

    /// Every `calibration_lock:` document.
    public func all() async throws -> [CalibrationLock] {
        let rows = try await database.allDocs(.prefix("calibration_lock:", includeDocs: true)).rows
        var locks: [CalibrationLock] = []
        for row in rows where !row.deleted {
            guard let doc = row.doc else { continue }
            do { locks.append(try CalibrationLock(json: doc)) } catch { throw error.enqueueError }
        }
        return locks
    }

    /// Releases the lock of `kind`: the calibration is valid up to run `validTo`, and runs
    /// after the calibration run are processed again. Releasing it again with the same
    /// `validTo` changes nothing.
    @discardableResult
    public func release(kind: String, validTo: Int, at time: Date = Date()) async throws -> CalibrationLock {
        for _ in 0..<5 {
            guard let document = try await database.getIfExists(CalibrationLock.id(kind: kind)) else {
                let known = try await all().map(\.kind)
                throw EnqueueError(.refused, "there is no calibration lock \(kind)" + (known.isEmpty ? " (none is set)" : " (set: \(known.joined(separator: ", ")))"))
            }
            var lock: CalibrationLock
            do { lock = try CalibrationLock(json: document) } catch { throw error.enqueueError }
            if !lock.locked, lock.validTo == validTo { return lock }
            guard validTo >= lock.run else {
                throw EnqueueError(.invalidInput, "nothing was written", problems: [
                    InputProblem(.reversedRange, source: lock.id, key: "--valid-to", "run \(validTo) is before the calibration run \(lock.run)"),
                ])
            }
            lock.release(validTo: validTo, at: Timestamp.string(time))
            if let epoch { lock.epoch = epoch }
            switch await Self.put(lock.json, into: database) {
            case .success(let rev):
                lock.rev = rev
                return lock
            case .failure(let error) where error.code == .conflict:
                continue
            case .failure(let error) where error.code == .forbidden:
                throw EnqueueError(.fenced, "\(lock.id): \(error.reason ?? "forbidden")")
            case .failure(let error):
                throw error
            }
        }
        throw EnqueueError(.conflict, "\(CalibrationLock.id(kind: kind)) kept changing; try again")
    }

    /// One write, its outcome as a value (a `catch` with `continue` in a loop crashes the
    /// Swift 6.3 optimiser).
    static func put(_ document: JSONValue, into database: CouchDatabase) async -> Result<String, CouchError> {
        do {
            return .success(try await database.put(document).rev)
        } catch {
            return .failure(error)
        }
    }
}
