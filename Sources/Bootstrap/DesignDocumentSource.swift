import Foundation

/// Reads the design documents of a `Views/` directory:
/// `Views/<ddoc>/views/<view>/map.js` (and `reduce.js`), `Views/<ddoc>/validate_doc_update.js`.
///
/// Anything else in those folders is an error naming the file, so a misspelt `mapp.js` is
/// caught instead of silently installing a design document without that view.
public enum DesignDocumentSource {
    /// Loads every design document under `directory`, sorted by name.
    public static func load(from directory: URL) throws(BootstrapError) -> [DesignDocument] {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw BootstrapError(.viewsMissing, "no Views directory at \(directory.path)")
        }
        var documents: [DesignDocument] = []
        for name in try entries(of: directory) {
            let folder = directory.appendingPathComponent(name)
            guard isFolder(folder) else {
                throw BootstrapError(.unexpectedFile, "\(folder.path): expected a folder per design document")
            }
            documents.append(try loadDocument(name: name, folder: folder))
        }
        return documents
    }

    static func loadDocument(name: String, folder: URL) throws(BootstrapError) -> DesignDocument {
        var views: [(name: String, view: DesignDocument.View)] = []
        var validate: String?
        var validateFile: String?
        for entry in try entries(of: folder) {
            let path = folder.appendingPathComponent(entry)
            switch entry {
            case "views" where isFolder(path):
                for viewName in try entries(of: path) {
                    views.append((viewName, try loadView(folder: path.appendingPathComponent(viewName))))
                }
            case "validate_doc_update.js":
                validate = try read(path)
                validateFile = path.path
            default:
                throw BootstrapError(.unexpectedFile, "\(path.path): not part of a design document (expected views/ or validate_doc_update.js)")
            }
        }
        if views.isEmpty && validate == nil {
            throw BootstrapError(.emptyDesignDocument, "\(folder.path): no views and no validate_doc_update.js")
        }
        return DesignDocument(name: name, views: views, validateDocUpdate: validate, validateFile: validateFile)
    }

    static func loadView(folder: URL) throws(BootstrapError) -> DesignDocument.View {
        guard isFolder(folder) else {
            throw BootstrapError(.unexpectedFile, "\(folder.path): expected a folder holding map.js")
        }
        var map: String?
        var reduce: String?
        var reduceFile: String?
        for entry in try entries(of: folder) {
            let path = folder.appendingPathComponent(entry)
            switch entry {
            case "map.js": map = try read(path)
            case "reduce.js":
                reduce = try read(path)
                reduceFile = path.path
            default:
                throw BootstrapError(.unexpectedFile, "\(path.path): a view folder holds only map.js and reduce.js")
            }
        }
        let mapFile = folder.appendingPathComponent("map.js").path
        guard let map else { throw BootstrapError(.missingMap, "\(mapFile): missing") }
        return DesignDocument.View(map: map, reduce: reduce, mapFile: mapFile, reduceFile: reduceFile)
    }

    static func entries(of directory: URL) throws(BootstrapError) -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: directory.path)
                .filter { !$0.hasPrefix(".") }.sorted()
        } catch {
            throw BootstrapError(.unreadable, "\(directory.path): cannot list it (\(error.localizedDescription))")
        }
    }

    static func isFolder(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    static func read(_ url: URL) throws(BootstrapError) -> String {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw BootstrapError(.unreadable, "\(url.path): cannot read it as UTF-8 (\(error.localizedDescription))")
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { throw BootstrapError(.emptyFile, "\(url.path): empty") }
        return trimmed
    }
}
