/// How one holding ended.
enum HoldingEnd: Sendable {
    /// The holding was lost (the transition is already published).
    case lost
    /// The work returned: release naming the hand-off's next site.
    case finished(LeaseHandOff)
    /// The work threw: release to anyone.
    case failed(String)
    /// ``LeaseElector/stop()`` was called.
    case stopped
    /// The task running the elector was cancelled.
    case cancelled
    /// A renewal met a configuration error (e.g. 401): stop and report it.
    case configurationError(LeaseError)
}

extension LeaseElector {
    /// Holds the lease written as `written`: renews it, watches the renew deadline and runs
    /// `work`, each in a child task beside one waiting for ``stop()``; the first of them to end
    /// ends the others. Returns once all have stopped, after releasing the lease if the holding
    /// is still valid. True when the work threw.
    func hold(_ written: LeaseDocument, work: @escaping Work) async throws(LeaseError) -> Bool {
        let epoch = written.epoch
        let term = LeaseTerm(
            scope: client.scope, holder: client.identity, epoch: epoch, mode: written.mode,
            stillHeld: { [self] in self.isHolding(epoch: epoch) })

        let end = await withTaskGroup(of: HoldingEnd.self) { group in
            group.addTask { await self.keepRenewing(epoch: epoch) }
            group.addTask { await self.watchRenewDeadline(epoch: epoch) }
            group.addTask {
                do {
                    return .finished(try await work(term))
                } catch {
                    if Task.isCancelled { return .cancelled }
                    // Work that gave up because its holding ended (``LeaseTerm/checkHeld()``
                    // at the deadline) did not fail: the holding did.
                    self.update { $0.tick(at: self.clock.now) }
                    return self.isHolding(epoch: epoch) ? .failed(String(describing: error)) : .lost
                }
            }
            group.addTask { [stopSignal] in
                await stopSignal.wait()
                return Task.isCancelled ? .cancelled : .stopped
            }
            let first = await group.next() ?? .cancelled
            group.cancelAll()
            // The group does not return before every child has ended: once past this point the
            // guarded work has stopped.
            while await group.next() != nil {}
            return first
        }

        switch end {
        case .lost, .cancelled:
            return false
        case .configurationError(let error):
            throw error
        case .finished(let handOff):
            await release(epoch: epoch, next: handOff.next)
            return false
        case .failed(let message):
            continuation.yield(.workFailed(epoch: epoch, message: message))
            await release(epoch: epoch, next: nil)
            return true
        case .stopped:
            await release(epoch: epoch, next: nil)
            return false
        }
    }

    /// True while holding `epoch` with its renew deadline ahead on the clock.
    func isHolding(epoch: Int64) -> Bool {
        let now = clock.now
        return observer.withLock { observer in
            guard case .holding(let holding) = observer.state, holding.epoch == epoch else { return false }
            return now < holding.renewDeadline
        }
    }

    /// Renews whenever due until the holding ends.
    func keepRenewing(epoch: Int64) async -> HoldingEnd {
        while true {
            let due = observer.withLock { observer -> (LeaseDocument, C.Instant)? in
                guard case .holding(let holding) = observer.state, holding.epoch == epoch else { return nil }
                return (holding.document, holding.renewAt)
            }
            guard let due else { return .lost }
            let (held, renewAt) = due
            do {
                try await clock.sleep(until: renewAt, tolerance: nil)
            } catch {
                return .cancelled
            }
            let sentAt = clock.now
            do {
                let renewed = try await client.renew(held)
                update { $0.renewed(renewed, sentAt: sentAt, at: clock.now) }
            } catch {
                if Task.isCancelled || error.code == .cancelled { return .cancelled }
                switch error.code {
                case .unavailable:
                    update { $0.renewFailed(sentAt: sentAt, at: clock.now) }
                case .unauthorized, .databaseMissing, .invalidConfiguration:
                    update { $0.lose(.refused) }
                    return .configurationError(error)
                default:
                    // 409, a losing conflict revision, 403 from the fencing rule: someone else
                    // has written the lease.
                    update { $0.lose(.refused) }
                    return .lost
                }
            }
        }
    }

    /// Ends the holding the moment its renew deadline passes without a successful renewal.
    func watchRenewDeadline(epoch: Int64) async -> HoldingEnd {
        while true {
            let deadline = observer.withLock { observer -> C.Instant? in
                guard case .holding(let holding) = observer.state, holding.epoch == epoch else { return nil }
                return holding.renewDeadline
            }
            guard let deadline else { return .lost }
            if clock.now >= deadline {
                update { $0.tick(at: clock.now) }
                if !isHolding(epoch: epoch) { return .lost }
            }
            do {
                try await clock.sleep(until: deadline, tolerance: nil)
            } catch {
                return .cancelled
            }
        }
    }

    /// Releases the holding of `epoch` while it is still valid (its work has stopped),
    /// retrying store failures until the renew deadline; after that the lease expires by itself.
    func release(epoch: Int64, next: String?) async {
        var failures = 0
        while true {
            update { $0.tick(at: clock.now) }
            let held = observer.withLock { observer -> LeaseDocument? in
                guard case .holding(let holding) = observer.state, holding.epoch == epoch else { return nil }
                return holding.document
            }
            guard let held else { return }
            do {
                let released = try await client.release(held, next: next)
                update { $0.released(released, at: clock.now) }
                return
            } catch where error.code == .unavailable && !Task.isCancelled {
                failures += 1
                if failures == 1 { continuation.yield(.storeUnavailable(error)) }
                do {
                    try await clock.sleep(for: configuration.retryDelay(afterFailures: failures), tolerance: nil)
                } catch {
                    return
                }
            } catch {
                update { $0.lose(.refused) }
                return
            }
        }
    }
}
