import JSON

/// What guarded work knows about the lease it runs under.
///
/// Every document the work writes carries ``epoch`` (see ``fenced(_:)``), so the
/// `validate_doc_update` fencing rule refuses the write if a newer holder has touched that
/// document. The work is cancelled when the holding ends; long steps can also ask
/// ``isHeld`` or call ``checkHeld()`` before a write.
public struct LeaseTerm: Sendable {
    /// The lease scope.
    public let scope: String
    /// This instance.
    public let holder: LeaseHolder
    /// The fencing token of this holding.
    public let epoch: Int64
    /// The mode the lease was acquired in.
    public let mode: LeaseMode
    let stillHeld: @Sendable () -> Bool

    /// Makes a term; `stillHeld` answers whether the holding is still valid right now.
    public init(scope: String, holder: LeaseHolder, epoch: Int64, mode: LeaseMode, stillHeld: @escaping @Sendable () -> Bool) {
        self.scope = scope
        self.holder = holder
        self.epoch = epoch
        self.mode = mode
        self.stillHeld = stillHeld
    }

    /// True while this holding is valid: not lost, and its renew deadline not passed.
    public var isHeld: Bool { stillHeld() }

    /// Throws ``LeaseError/Code/notHeld`` once the holding is no longer valid.
    public func checkHeld() throws(LeaseError) {
        guard stillHeld() else {
            throw LeaseError(.notHeld, "the lease \(LeaseDocument.id(scope: scope)) is no longer held at epoch \(epoch)")
        }
    }

    /// `document` with its `epoch` member set to this holding's epoch.
    public func fenced(_ document: JSONValue) -> JSONValue {
        var copy = document
        copy["epoch"] = .int(epoch)
        return copy
    }
}

/// How guarded work ends its turn: the elector releases the lease naming ``next``.
public struct LeaseHandOff: Sendable, Hashable {
    /// The site named for the next turn (rotate mode), or nil for whoever comes first.
    public var next: String?

    /// A hand-off naming `next`.
    public init(next: String?) { self.next = next }

    /// Release to whoever acquires first.
    public static let anyone = LeaseHandOff(next: nil)

    /// Release naming `site` for the next turn.
    public static func to(_ site: String) -> LeaseHandOff { LeaseHandOff(next: site) }
}
