import CouchDB
import JSON

/// What became of an attempt to acquire the lease.
public enum LeaseAcquisition: Sendable, Hashable {
    /// This instance holds the lease: the written document (its `_rev` and `epoch`).
    case won(LeaseDocument)
    /// Another writer changed the document first; read it again and go back to observing.
    case lostRace
}

/// Reads and writes one lease document `lease:<scope>` on behalf of one instance, with
/// compare-and-swap on `_rev`. It decides nothing about timing: ``LeaseObserver`` judges when
/// to acquire and renew, ``LeaseElector`` drives both.
///
/// Every write goes through the same checks: a 409 is first compared with the current
/// document (a write of ours that the HTTP client resent after a lost answer reads back as our
/// own), and a 202 (a CouchDB cluster's "accepted, not yet on a quorum") is not trusted: the
/// document is read again with `conflicts=true` and the write counts only if its revision is
/// the sole winner; a losing revision of ours is deleted.
public struct LeaseClient: Sendable {
    /// The database holding the lease document.
    public let database: CouchDatabase
    /// The lease scope (`processing` for `lease:processing`).
    public let scope: String
    /// The instance this client writes as.
    public let identity: LeaseHolder
    /// Wall-clock time for the informational fields.
    public var timestamp: @Sendable () -> String

    /// A client for `lease:<scope>` in `database`, writing as `identity`.
    public init(
        database: CouchDatabase, scope: String, identity: LeaseHolder,
        timestamp: @escaping @Sendable () -> String = WallClock.now
    ) {
        self.database = database
        self.scope = scope
        self.identity = identity
        self.timestamp = timestamp
    }

    /// The lease document id.
    public var documentID: String { LeaseDocument.id(scope: scope) }

    /// Reads the lease document; nil when it does not exist (or was deleted).
    public func observe() async throws(LeaseError) -> LeaseDocument? {
        let json: JSONValue
        do {
            json = try await database.get(documentID)
        } catch {
            if error.code == .notFound && error.reason != "Database does not exist." { return nil }
            throw LeaseError.from(error, doing: "reading", id: documentID)
        }
        return try LeaseDocument(json: json)
    }

    /// Writes this instance in as holder over `observed` (the document as read, nil when there
    /// was none) with `observed.epoch + 1`. Only call it when the observer says the lease may be
    /// acquired: the write replaces the revision read, so it fails if anyone wrote since.
    public func acquire(over observed: LeaseDocument?, leaseSeconds: Double, mode: LeaseMode) async throws(LeaseError) -> LeaseAcquisition {
        guard leaseSeconds > 0, leaseSeconds.isFinite else {
            throw LeaseError(.invalidConfiguration, "lease seconds must be a positive number, not \(leaseSeconds)")
        }
        var base: LeaseDocument
        if let observed {
            base = observed
        } else {
            base = LeaseDocument(scope: scope, leaseSeconds: leaseSeconds, mode: mode)
            base.epoch = try await epochFloorOfDeletedDocument()
        }
        let next = base.acquired(by: identity, leaseSeconds: leaseSeconds, mode: mode, at: timestamp())
        do {
            return .won(try await write(next, over: base.rev, doing: "acquiring"))
        } catch where error.code == .conflict {
            return .lostRace
        }
    }

    /// Renews the lease held as `held` (same epoch, new `renewed` time). Throws
    /// ``LeaseError/Code/conflict`` when the lease was taken over: the holding is lost.
    public func renew(_ held: LeaseDocument) async throws(LeaseError) -> LeaseDocument {
        guard held.holder == identity else {
            throw LeaseError(.notHeld, "\(documentID) is not held by \(identity)")
        }
        return try await write(held.renewed(at: timestamp()), over: held.rev, doing: "renewing")
    }

    /// Releases the lease held as `held`: no holder, same epoch, `next` named for the next
    /// turn (rotate mode; nil lets anyone take it). Call it only after the guarded work has
    /// stopped. Throws ``LeaseError/Code/conflict`` when the lease was no longer held.
    public func release(_ held: LeaseDocument, next: String?) async throws(LeaseError) -> LeaseDocument {
        guard held.holder == identity else {
            throw LeaseError(.notHeld, "\(documentID) is not held by \(identity)")
        }
        do {
            return try await write(held.released(next: next, at: timestamp()), over: held.rev, doing: "releasing", confirm: false)
        } catch where error.code == .conflict {
            // A renewal cancelled in flight (the holder stopping) may still have reached the
            // store: the document then names this holder at the same epoch, one revision on.
            guard let current = try await observe(), current.holder == identity, current.epoch == held.epoch,
                  current.rev != held.rev
            else { throw error }
            return try await write(current.released(next: next, at: timestamp()), over: current.rev, doing: "releasing", confirm: false)
        }
    }

    /// The epoch to continue from when the lease document is missing: 0 if it never existed;
    /// if it was deleted, the generation of its tombstone's revision. Every epoch took a write
    /// of its own, so no earlier epoch can be higher, and fencing keeps working after someone
    /// deleted the lease document.
    func epochFloorOfDeletedDocument() async throws(LeaseError) -> Int64 {
        let rows: [AllDocsRow]
        do {
            rows = try await database.allDocs(AllDocsQuery(keys: [documentID])).rows
        } catch {
            throw LeaseError.from(error, doing: "looking for a deleted", id: documentID)
        }
        guard let row = rows.first, row.deleted, let rev = row.rev,
              let generation = rev.split(separator: "-").first.flatMap({ Int64($0) })
        else { return 0 }
        return generation
    }

    // MARK: - Writing

    /// PUTs `document` over revision `base`; returns it with its new revision.
    func write(_ document: LeaseDocument, over base: String?, doing: String, confirm: Bool = true) async throws(LeaseError) -> LeaseDocument {
        var body = document
        body.rev = base
        let result: WriteResult
        do {
            result = try await database.put(id: documentID, body.json)
        } catch where error.code == .conflict {
            // The HTTP client resends a PUT whose answer was lost; if the first one landed the
            // resend gets 409. Nobody else writes this holder with this epoch, so finding it
            // means the write was ours.
            if let current = try? await observe(), current.rev != base,
               current.holder == document.holder, current.epoch == document.epoch
            {
                return current
            }
            throw LeaseError.from(error, doing: doing, id: documentID)
        } catch {
            throw LeaseError.from(error, doing: doing, id: documentID)
        }
        var written = document
        written.rev = result.rev
        if !result.durable && confirm {
            try await confirmSoleWinner(written, doing: doing)
        }
        return written
    }

    /// After a 202: returns if `written` is the sole winning revision; otherwise steps back,
    /// deleting our revision if it lost, and throws ``LeaseError/Code/conflict``.
    ///
    /// A conflicting revision with a lower epoch than ours is a leftover of an earlier race
    /// (its writer is long gone); it is deleted and does not count against us.
    func confirmSoleWinner(_ written: LeaseDocument, doing: String) async throws(LeaseError) {
        let current: JSONValue
        do {
            current = try await database.get(documentID, options: DocumentOptions(conflicts: true))
        } catch {
            throw LeaseError.from(error, doing: "checking \(doing)", id: documentID)
        }
        let winner = current["_rev"]?.stringValue
        let conflicts = (current["_conflicts"]?.arrayValue ?? []).compactMap(\.stringValue)
        guard winner == written.rev else {
            if conflicts.contains(written.rev ?? "") {
                _ = try? await database.delete(documentID, rev: written.rev ?? "")
            }
            throw LeaseError(.conflict, "\(doing) \(documentID) was accepted (202) but another revision won")
        }
        var contenders = 0
        for rev in conflicts {
            let other = try? await database.get(documentID, options: DocumentOptions(rev: rev))
            let epoch = other?["epoch"]?.numberValue?.int64Value ?? .max
            if epoch < written.epoch {
                _ = try? await database.delete(documentID, rev: rev)
            } else {
                contenders += 1
            }
        }
        guard contenders == 0 else {
            throw LeaseError(.conflict, "\(doing) \(documentID) was accepted (202) with \(contenders) conflicting revision(s) of the same epoch")
        }
    }
}
