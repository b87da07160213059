/// Why a pass's command cannot be given the input files its `{input}` / `{inputs}` stand for.
public struct InputError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of problem.
    public enum Code: String, Sendable, Hashable {
        /// The catalogue entry does not say where the placeholder reads from.
        case unknownSource = "unknown_source"
        /// The pass has no prerequisite link to the module the files come from.
        case noPrerequisiteLink = "no_prerequisite_link"
        /// The prerequisite pass's `data:` document does not exist.
        case missingData = "missing_data"
        /// The data document has no file for this subjob.
        case noFile = "no_file"
        /// `{input}` is one file, and the data document has several for this subjob.
        case severalFiles = "several_files"
        /// A file of the data document does not say where it is.
        case noLocation = "no_location"
    }

    /// The kind of problem.
    public var code: Code
    /// What is wrong, naming the data document.
    public var message: String

    /// Makes an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

/// The files a pass's command reads through `{input}` and `{inputs}`: the files of the
/// prerequisite pass's `data:` document (found through the pass's prerequisite link and the
/// module's ``ModuleDefinition/inputSources``), chosen per subjob and given as their locations.
public enum CommandInputs {
    /// The ids of the `data:` documents the command of `pass` (of `module`, for `run`) reads; empty
    /// when it reads none.
    public static func documentIDs(module: ModuleDefinition, pass: Pass, run: Int) -> Result<[String], InputError> {
        var ids: [String] = []
        for placeholder in module.parsedCommand.placeholders where placeholder.readsInput {
            switch documentID(placeholder, module: module, pass: pass, run: run) {
            case .success(let id): if !ids.contains(id) { ids.append(id) }
            case .failure(let error): return .failure(error)
            }
        }
        return .success(ids)
    }

    /// What each `{input}`/`{inputs}` placeholder of the command stands for in the subjob of
    /// `subrun` (nil for a run-level subjob), from `documents` (by id): `{input}` the one file
    /// for the subjob, `{inputs}` every file for it (all of the run's for a run-level subjob,
    /// this subrun's and the run-level ones for a subrun), space-separated in subrun order, each
    /// shell-quoted when it needs to be.
    public static func values(
        module: ModuleDefinition, pass: Pass, run: Int, subrun: Int?, documents: [String: DataDocument]
    ) -> Result<[ModuleCommand.Placeholder: String], InputError> {
        var values: [ModuleCommand.Placeholder: String] = [:]
        for placeholder in module.parsedCommand.placeholders where placeholder.readsInput && values[placeholder] == nil {
            let id: String
            switch documentID(placeholder, module: module, pass: pass, run: run) {
            case .success(let found): id = found
            case .failure(let error): return .failure(error)
            }
            guard let document = documents[id] else {
                return .failure(InputError(.missingData, "input data \(id) does not exist (for \(placeholder))"))
            }
            let files = document.files
                .filter { subrun == nil || $0.subrun == nil || $0.subrun == subrun }
                .sorted { ($0.subrun ?? -1, $0.name) < ($1.subrun ?? -1, $1.name) }
            let subjob = subrun.map { "subrun \($0)" } ?? "the run"
            guard !files.isEmpty else { return .failure(InputError(.noFile, "input data \(id) has no file for \(subjob)")) }
            if placeholder.name == "input", files.count > 1 {
                return .failure(InputError(.severalFiles, "input data \(id) has \(files.count) files for \(subjob); {input} is one file, use {inputs}"))
            }
            var paths: [String] = []
            for file in files {
                guard let location = file.location, !location.isEmpty else {
                    return .failure(InputError(.noLocation, "input data \(id): file \(file.name) has no location"))
                }
                paths.append(shellQuoted(location))
            }
            values[placeholder] = paths.joined(separator: " ")
        }
        return .success(values)
    }

    static func documentID(_ placeholder: ModuleCommand.Placeholder, module: ModuleDefinition, pass: Pass, run: Int) -> Result<String, InputError> {
        guard let source = module.inputSources[placeholder.qualifier ?? ""] else {
            return .failure(InputError(.unknownSource, "the catalogue entry of \(module.name) does not say what \(placeholder) reads"))
        }
        guard let link = pass.prerequisites.first(where: { $0.module == source.module }) else {
            return .failure(InputError(.noPrerequisiteLink, "pass \(pass.pass) has no prerequisite link to \(source.module), whose \(source.dataType) files \(placeholder) stands for"))
        }
        return .success(DataDocument.id(module: source.module, run: run, pass: link.pass, dataType: source.dataType))
    }

    /// `text` as one shell word: as it is when it holds only safe characters, else in single quotes.
    static func shellQuoted(_ text: String) -> String {
        let safe = text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "/._-+:=@%,".contains($0)) }
        return safe ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
