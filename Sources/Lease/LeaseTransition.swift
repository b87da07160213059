import Logging

/// Something that happened to the lease, as seen by one instance; the worker logs each one.
public enum LeaseTransition: Sendable, Hashable {
    /// This instance acquired the lease with `epoch`.
    case acquired(epoch: Int64, opening: LeaseOpening)
    /// This instance renewed the lease; `late` when it took retries or came well after it was
    /// due (a sign of a slow store or a paused process).
    case renewed(epoch: Int64, late: Bool, failedAttempts: Int)
    /// This instance lost the lease; its guarded work is being stopped.
    case lost(epoch: Int64, reason: LeaseLossReason)
    /// This instance released the lease, naming `next` for the turn (rotate mode).
    case released(epoch: Int64, next: String?)
    /// Another holder (or a new epoch of one) was seen.
    case holderObserved(LeaseHolder, epoch: Int64)
    /// The holder did not renew in time, judged on this instance's clock.
    case expired(LeaseHolder, epoch: Int64)
    /// This instance tried to acquire `epoch` and another writer won.
    case contended(epoch: Int64)
    /// The store could not be reached; the instance keeps trying.
    case storeUnavailable(LeaseError)
    /// The store answers again after being unavailable.
    case storeAvailable
    /// The guarded work ended with an error; the lease was released.
    case workFailed(epoch: Int64, message: String)

    /// A short message for a log line.
    public var message: String {
        switch self {
        case .acquired: "lease acquired"
        case .renewed(_, let late, _): late ? "lease renewed late" : "lease renewed"
        case .lost: "lease lost"
        case .released: "lease released"
        case .holderObserved: "new lease holder observed"
        case .expired: "lease holder went quiet"
        case .contended: "another site won the lease"
        case .storeUnavailable: "lease store unavailable"
        case .storeAvailable: "lease store available again"
        case .workFailed: "guarded work failed"
        }
    }

    /// How loud the log line should be: routine renewals are debug, trouble is a warning.
    public var logLevel: Logger.Level {
        switch self {
        case .renewed(_, let late, _): late ? .warning : .debug
        case .lost, .storeUnavailable, .workFailed: .warning
        case .expired: .notice
        case .acquired, .released, .holderObserved, .contended, .storeAvailable: .info
        }
    }

    /// Structured fields for the log line (epoch, holder site and instance, reason…).
    public var metadata: Logger.Metadata {
        switch self {
        case .acquired(let epoch, let opening):
            return ["epoch": "\(epoch)", "opening": "\(opening.logValue)"]
        case .renewed(let epoch, _, let failed):
            return ["epoch": "\(epoch)", "failed_attempts": "\(failed)"]
        case .lost(let epoch, let reason):
            return ["epoch": "\(epoch)", "reason": "\(reason.logValue)"]
        case .released(let epoch, let next):
            return ["epoch": "\(epoch)", "next": "\(next ?? "-")"]
        case .holderObserved(let holder, let epoch), .expired(let holder, let epoch):
            return ["epoch": "\(epoch)", "holder_site": "\(holder.site)", "holder_instance": "\(holder.instance)"]
        case .contended(let epoch):
            return ["epoch": "\(epoch)"]
        case .storeUnavailable(let error):
            return ["error": "\(error)"]
        case .storeAvailable:
            return [:]
        case .workFailed(let epoch, let message):
            return ["epoch": "\(epoch)", "error": "\(message)"]
        }
    }

    /// Logs the transition on `logger` with its level and fields, plus `context` (site, scope).
    public func log(to logger: Logger, context: Logger.Metadata = [:]) {
        logger.log(level: logLevel, "\(message)", metadata: metadata.merging(context) { own, _ in own })
    }
}

extension LeaseOpening {
    var logValue: String {
        switch self {
        case .neverHeld: "never held"
        case .released: "released"
        case .yourTurn: "our turn"
        case .turnPassed(let next): "\(next) missed its turn"
        case .expired(let holder): "\(holder.site) expired"
        case .abandonedByThisInstance: "taken back after losing it"
        }
    }
}

extension LeaseLossReason {
    var logValue: String {
        switch self {
        case .refused: "renewal refused"
        case .renewDeadlinePassed: "renew deadline passed"
        case .overwritten(let holder, let epoch): "overwritten by \(holder?.site ?? "nobody") at epoch \(epoch)"
        }
    }
}
