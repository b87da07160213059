import JSON
import ViewEngine

/// Compiles every function of the repository's design documents before anything is installed,
/// so a broken `.js` file stops `gasp bootstrap` with its path and the engine's message instead
/// of failing half-way through the databases.
///
/// Each function is compiled on its own (the same `gasp query-server` engine the embedded store
/// uses), which is what lets an error name the exact file.
public struct JavaScriptCheck: Sendable {
    /// The `gasp` executable that serves as query server (`/proc/self/exe` in `gasp` itself).
    public var executable: String

    public init(executable: String = "/proc/self/exe") {
        self.executable = executable
    }

    /// Throws ``BootstrapError/Code/invalidJavaScript`` naming the first file that does not compile.
    public func check(_ documents: [DesignDocument]) async throws {
        let pool = QueryServerPool(configuration: .init(executable: executable, maximumProcesses: 1))
        do {
            for document in documents {
                try await check(document, pool: pool)
            }
            await pool.shutdown()
        } catch {
            await pool.shutdown()
            throw error
        }
    }

    private func check(_ document: DesignDocument, pool: QueryServerPool) async throws {
        for (name, view) in document.views {
            try await compile(
                ["_id": .string(document.id), "language": "javascript", "views": [name: ["map": .string(view.map)]]],
                file: view.mapFile, pool: pool)
            if let reduce = view.reduce, let reduceFile = view.reduceFile {
                try await compile(
                    ["_id": .string(document.id), "language": "javascript",
                     "views": [name: ["map": .string(view.map), "reduce": .string(reduce)]]],
                    file: reduceFile, pool: pool)
            }
        }
        if let validate = document.validateDocUpdate {
            try await compile(
                ["_id": .string(document.id), "language": "javascript", "validate_doc_update": .string(validate)],
                file: document.validateFile ?? document.id, pool: pool)
        }
    }

    private func compile(_ json: JSONValue, file: String, pool: QueryServerPool) async throws {
        do {
            try await pool.compile(try ViewEngine.DesignDocument(json))
        } catch let error as ViewEngineError where error.code == .compilationError || error.code == .invalidDesignDocument {
            throw BootstrapError(.invalidJavaScript, "\(file): \(error.reason)")
        }
    }
}
