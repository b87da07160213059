import Foundation
import JSON
import Testing
@testable import ViewEngine

/// The `gasp` executable built next to the test bundle (`swift build --build-tests` builds both).
enum TestPool {
    /// `GASP_EXECUTABLE` overrides the search (any executable whose `query-server` mode works).
    static var executable: String {
        if let path = ProcessInfo.processInfo.environment["GASP_EXECUTABLE"], !path.isEmpty { return path }
        let candidates = [
            Bundle.main.bundleURL.deletingLastPathComponent(),
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            Bundle.main.bundleURL,
        ]
        for directory in candidates {
            let path = directory.appendingPathComponent("gasp").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return candidates[0].appendingPathComponent("gasp").path
    }

    static func make(processes: Int = 2, timeout: Duration = .seconds(10), batch: Int = 500) -> QueryServerPool {
        QueryServerPool(configuration: .init(
            executable: executable, maximumProcesses: processes, timeout: timeout, mapBatchSize: batch))
    }

    /// Runs `body` with a fresh pool and shuts it down afterwards.
    static func with<T>(
        processes: Int = 2, timeout: Duration = .seconds(10), batch: Int = 500,
        _ body: (QueryServerPool) async throws -> T
    ) async throws -> T {
        let pool = make(processes: processes, timeout: timeout, batch: batch)
        do {
            let value = try await body(pool)
            await pool.shutdown()
            return value
        } catch {
            await pool.shutdown()
            throw error
        }
    }
}

/// A design document with the given views (`name: (map, reduce?)`) and validate function.
func design(
    _ id: String = "_design/t", views: KeyValuePairs<String, (String, String?)> = [:], validate: String? = nil
) throws -> DesignDocument {
    var viewObject = JSONObject()
    for (name, (map, reduce)) in views {
        var definition: JSONObject = ["map": .string(map)]
        if let reduce { definition["reduce"] = .string(reduce) }
        viewObject[name] = .object(definition)
    }
    var document: JSONObject = ["_id": .string(id), "_rev": "1-abc", "views": .object(viewObject)]
    if let validate { document["validate_doc_update"] = .string(validate) }
    return try DesignDocument(.object(document))
}

func json(_ text: String) throws -> JSONValue { try JSONParser.parse(text) }
