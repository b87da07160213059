import JSON

/// One design document as the repository holds it under `Views/<name>/`.
public struct DesignDocument: Sendable, Equatable {
    /// One view: its map function and optional reduce (JavaScript or a built-in like `_count`).
    public struct View: Sendable, Equatable {
        public var map: String
        public var reduce: String?
        /// The file the map function came from, for error messages.
        public var mapFile: String
        /// The file the reduce came from, if any.
        public var reduceFile: String?

        public init(map: String, reduce: String? = nil, mapFile: String = "", reduceFile: String? = nil) {
            self.map = map
            self.reduce = reduce
            self.mapFile = mapFile
            self.reduceFile = reduceFile
        }
    }

    /// The name after `_design/`.
    public var name: String
    /// Views by name, in name order.
    public var views: [(name: String, view: View)]
    /// The `validate_doc_update` function, if any.
    public var validateDocUpdate: String?
    /// The file `validateDocUpdate` came from.
    public var validateFile: String?

    public init(name: String, views: [(name: String, view: View)], validateDocUpdate: String? = nil, validateFile: String? = nil) {
        self.name = name
        self.views = views
        self.validateDocUpdate = validateDocUpdate
        self.validateFile = validateFile
    }

    public static func == (a: DesignDocument, b: DesignDocument) -> Bool {
        a.name == b.name && a.validateDocUpdate == b.validateDocUpdate
            && a.views.map(\.name) == b.views.map(\.name) && a.views.map(\.view) == b.views.map(\.view)
    }

    /// The document id, `_design/<name>`.
    public var id: String { "_design/" + name }

    /// The member that marks a design document as installed by gasp (so `--prune` never
    /// removes a design document someone else put there).
    public static let managedMarker = "gasp_managed"

    /// The `views` member as CouchDB stores it.
    public var viewsJSON: JSONObject {
        var views = JSONObject()
        for (name, view) in self.views {
            var body: JSONObject = ["map": .string(view.map)]
            if let reduce = view.reduce { body["reduce"] = .string(reduce) }
            views[name] = .object(body)
        }
        return views
    }

    /// The design document body (without `_rev`).
    public var json: JSONValue {
        var doc: JSONObject = ["_id": .string(id), "language": "javascript", Self.managedMarker: true]
        if !views.isEmpty { doc["views"] = .object(viewsJSON) }
        if let validateDocUpdate { doc["validate_doc_update"] = .string(validateDocUpdate) }
        return .object(doc)
    }
}
