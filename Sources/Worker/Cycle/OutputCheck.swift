import Foundation
import Processing

/// Checks that a finished pass produced every output its module's catalogue entry promises
/// (the catalogue's file-name patterns, filled in by ``OutputSpec/fileName(module:run:subrun:pass:version:inputKind:)``):
/// for each expected data type and subjob, the file exists in the attempt's directory, is not
/// empty, and its size and adler32 are recorded for its `data` document.
enum OutputCheck {
    struct Result {
        /// Files found, by data type.
        var found: [String: [DataDocument.File]] = [:]
        /// What is missing or empty: the subjob's subrun and the file name.
        var missing: [(subrun: Int?, name: String)] = []
    }

    /// Each subjob's outputs are looked for in the directory it ran in (recorded at its claim),
    /// `directory` for subjobs without one; each file found is recorded with its path and the
    /// site its subjob ran at (recorded at its claim; `site` for subjobs without one).
    static func verify(module: ModuleDefinition, job: JobDocument, pass: Pass, directory: String, site: String) async -> Result {
        var result = Result()
        for output in module.outputs {
            for subjob in pass.subjobs {
                let name = output.fileName(
                    module: job.module, run: job.run, subrun: subjob.subrun, pass: pass.pass, version: pass.version,
                    inputKind: pass.inputKind)
                let path = (subjob.extra["directory"]?.stringValue ?? directory) + "/" + name
                guard let (size, checksum) = await checksum(path), size > 0 else {
                    result.missing.append((subjob.subrun, name))
                    continue
                }
                result.found[output.dataType, default: []].append(
                    DataDocument.File(subrun: subjob.subrun, name: name, size: size, adler32: checksum, location: path,
                                      site: subjob.extra["site"]?.stringValue ?? site))
            }
        }
        return result
    }

    /// Size and adler32 of the file at `path` (read in chunks off the concurrency pool); nil
    /// when it is missing or unreadable.
    static func checksum(_ path: String) async -> (Int64, String)? {
        guard let file = try? await OutputVerifier().measure(path: path) else { return nil }
        return (file.size, file.adler32)
    }
}
