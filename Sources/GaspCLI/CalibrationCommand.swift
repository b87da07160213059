import ArgumentParser
import Enqueue
import Foundation
import Processing

/// `gasp calibration`: calibration locks.
struct CalibrationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibration",
        abstract: "Calibration locks: a calibration run holds back every later run until released.",
        subcommands: [CalibrationList.self, CalibrationRelease.self]
    )
}

struct CalibrationList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Show every calibration lock.")

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        try await database.withDatabase { db in
            let locks = try await CalibrationLocks(database: db).all()
            if locks.isEmpty { print("no calibration lock") }
            for lock in locks {
                print("\(lock.kind): run \(lock.run), " + (lock.locked ? "LOCKED (later runs held back)" : "released, valid to run \(lock.validTo.map(String.init) ?? "?")"))
            }
        }
    }
}

struct CalibrationRelease: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "release", abstract: "Release a calibration lock, saying up to which run the calibration is valid.")

    @OptionGroup var database: DatabaseOptions

    @Argument(help: "The calibration kind (PCA, ECA, …).")
    var kind: String

    @Option(help: "The last run the calibration is valid for.")
    var validTo: Int

    func run() async throws {
        do {
            try await database.withDatabase { db in
                let lock = try await CalibrationLocks(database: db).release(kind: kind, validTo: validTo)
                print("\(lock.id) released: valid to run \(validTo); runs after \(lock.run) are processed again")
            }
        } catch {
            throw report(error)
        }
    }
}
