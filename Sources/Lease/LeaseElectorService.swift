import ServiceLifecycle

/// A ``LeaseElector`` running its guarded work as a swift-service-lifecycle `Service`:
/// graceful shutdown (SIGTERM in a `ServiceGroup`) stops the work, then releases the lease.
public struct LeaseElectorService<C: Clock>: Service where C.Duration == Duration {
    /// The elector.
    public let elector: LeaseElector<C>
    /// The guarded work.
    public let work: LeaseElector<C>.Work

    /// A service running `work` under `elector`.
    public init(elector: LeaseElector<C>, work: @escaping LeaseElector<C>.Work) {
        self.elector = elector
        self.work = work
    }

    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await elector.run(work)
        } onGracefulShutdown: {
            elector.stop()
        }
    }
}

extension LeaseElector {
    /// This elector running `work` as a `Service`.
    public func service(running work: @escaping Work) -> LeaseElectorService<C> {
        LeaseElectorService(elector: self, work: work)
    }
}
