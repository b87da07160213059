import JSON

/// The functions of one design document, checked for shape (not yet compiled).
///
/// Build one per design-document revision and hand it to ``QueryServerPool``; the pool compiles
/// its JavaScript once per query-server process and identifies it by ``cacheKey``.
public struct DesignDocument: Sendable, Hashable {
    /// One view: a map function and an optional reduce.
    public struct View: Sendable, Hashable {
        /// The view's name (member of `views`).
        public var name: String
        /// JavaScript source of the map function.
        public var map: String
        /// The reduce, if any.
        public var reduce: ReduceFunction?
    }

    /// The document id (`_design/...`).
    public let id: String
    /// The revision, when the document has one.
    public let revision: String?
    /// The views, in the order the document lists them (`views.lib` excluded).
    public let views: [View]
    /// JavaScript source of `validate_doc_update`, if any.
    public let validateDocUpdate: String?
    /// The whole design document (`this` inside `validate_doc_update`).
    public let document: JSONValue
    /// Identifies this exact set of functions (id, revision and sources).
    public let cacheKey: String

    /// Reads the functions of a design document, rejecting shapes CouchDB rejects with
    /// `invalid_design_doc` (a non-JavaScript language, a view without a string `map`, an unknown
    /// built-in reduce such as `_nosuch`).
    public init(_ document: JSONValue) throws(ViewEngineError) {
        guard let object = document.objectValue else {
            throw ViewEngineError(.invalidDesignDocument, "Design document must be a JSON object.")
        }
        id = object["_id"]?.stringValue ?? ""
        revision = object["_rev"]?.stringValue
        self.document = document
        if let language = object["language"], language != .string("javascript") {
            throw ViewEngineError(.invalidDesignDocument, "`language` must be \"javascript\" (got \(language.serialized())).")
        }
        var views: [View] = []
        if let viewsValue = object["views"], !viewsValue.isNull {
            guard let members = viewsValue.objectValue else {
                throw ViewEngineError(.invalidDesignDocument, "`views` is not an object.")
            }
            for (name, definition) in members where name != "lib" {
                guard let fields = definition.objectValue else {
                    throw ViewEngineError(.invalidDesignDocument, "View \(name) must be an object.")
                }
                guard let map = fields["map"]?.stringValue else {
                    throw ViewEngineError(.invalidDesignDocument, "View `\(name)` must have a string `map` function.")
                }
                var reduce: ReduceFunction?
                if let reduceValue = fields["reduce"], !reduceValue.isNull {
                    guard let source = reduceValue.stringValue else {
                        throw ViewEngineError(.invalidDesignDocument, "`reduce` of view `\(name)` must be a string.")
                    }
                    reduce = try ReduceFunction(source: source)
                }
                views.append(View(name: name, map: map, reduce: reduce))
            }
        }
        self.views = views
        if let validate = object["validate_doc_update"], !validate.isNull {
            guard let source = validate.stringValue else {
                throw ViewEngineError(.invalidDesignDocument, "`validate_doc_update` must be a string.")
            }
            validateDocUpdate = source
        } else {
            validateDocUpdate = nil
        }
        var hash = FNV1a()
        hash.add(id)
        hash.add(revision ?? "")
        for view in views {
            hash.add(view.name)
            hash.add(view.map)
            if case .javaScript(let source) = view.reduce { hash.add(source) }
        }
        hash.add(validateDocUpdate ?? "")
        cacheKey = "\(id)@\(revision ?? "")#\(String(hash.value, radix: 16))"
    }

    /// The position of the view called `name` in ``views`` (and in map results).
    public func viewIndex(named name: String) -> Int? {
        views.firstIndex { $0.name == name }
    }

    /// Whether the document has anything to run in a query server.
    public var hasFunctions: Bool { !views.isEmpty || validateDocUpdate != nil }
}

/// A view's reduce: one of CouchDB's built-ins (run in Swift) or JavaScript.
public enum ReduceFunction: Sendable, Hashable {
    /// `_count`: the number of rows.
    case count
    /// `_sum`: numbers, arrays element-wise, objects member-wise.
    case sum
    /// `_stats`: sum, count, min, max and sum of squares.
    case stats
    /// A JavaScript `function(keys, values, rereduce)`.
    case javaScript(String)

    /// Parses a `reduce` member: a name starting with `_` must be a known built-in.
    public init(source: String) throws(ViewEngineError) {
        let trimmed = source.trimmingWhitespace()
        guard trimmed.hasPrefix("_") else {
            self = .javaScript(source)
            return
        }
        switch trimmed {
        case "_count": self = .count
        case "_sum": self = .sum
        case "_stats": self = .stats
        default:
            throw ViewEngineError(.invalidDesignDocument, "`\(trimmed)` is not a supported reduce function.")
        }
    }

    /// Whether this reduce runs in Swift.
    public var isBuiltin: Bool {
        if case .javaScript = self { return false }
        return true
    }
}

extension String {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[first...last])
    }
}

/// 64-bit FNV-1a over strings (each followed by a 0 byte): a stable content fingerprint.
struct FNV1a {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func add(_ string: String) {
        for byte in string.utf8 { mix(byte) }
        mix(0)
    }

    private mutating func mix(_ byte: UInt8) {
        value ^= UInt64(byte)
        value = value &* 0x0000_0100_0000_01B3
    }
}
