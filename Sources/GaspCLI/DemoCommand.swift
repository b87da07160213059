import ArgumentParser

/// `gasp demo`: a whole fleet on the embedded store, for newcomers.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Start the embedded store with sample data and show how to reach it."
    )

    func run() async throws {
        throw ValidationError("the demo is not wired yet")
    }
}
