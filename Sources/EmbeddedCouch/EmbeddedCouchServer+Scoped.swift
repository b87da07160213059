import Logging
import ServiceLifecycle

extension EmbeddedCouchServer {
    /// Runs a server for the duration of `body`, which receives the bound port; afterwards the
    /// server shuts down gracefully (in-flight requests finish) before this returns.
    ///
    /// For tests, benchmarks and the demo. A long-running process runs the server as a
    /// `Service` in its own `ServiceGroup` instead.
    public static func withRunning<T: Sendable>(
        configuration: EmbeddedCouchConfiguration,
        logger: Logger,
        _ body: @Sendable (Int) async throws -> T
    ) async throws -> T {
        let server = try EmbeddedCouchServer(configuration: configuration, logger: logger)
        let group = ServiceGroup(
            configuration: .init(services: [server], gracefulShutdownSignals: [], logger: logger))
        return try await withThrowingTaskGroup(of: T?.self) { tasks in
            tasks.addTask {
                try await group.run()
                return nil
            }
            let result: Result<T, any Error>
            do {
                let port = try await server.waitUntilListening()
                result = .success(try await body(port))
            } catch {
                result = .failure(error)
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return try result.get()
        }
    }
}
