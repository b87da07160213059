import JSON

/// One `emit(key, value)` of a map function.
public struct EmittedRow: Sendable, Hashable {
    /// The emitted key (`null` for `undefined`).
    public var key: JSONValue
    /// The emitted value (`null` for `undefined`).
    public var value: JSONValue

    /// A row.
    public init(key: JSONValue, value: JSONValue) {
        self.key = key
        self.value = value
    }
}

/// What the map functions of one design document produced for one document.
public struct DocumentMapResult: Sendable, Hashable {
    /// Rows per view, in the order of ``DesignDocument/views``. A view whose map threw for this
    /// document has no rows (rows emitted before the exception are dropped, as in CouchDB).
    public var views: [[EmittedRow]]
    /// The views whose map function threw for this document.
    public var failures: [MapFailure]
}

/// A map function that threw for a document.
public struct MapFailure: Sendable, Hashable {
    /// The view's name.
    public var view: String
    /// The exception as text (`TypeError: ...`, or the thrown value as JSON).
    public var message: String
}

/// One write to validate in a batch: `newDoc` and the stored revision it replaces (`oldDoc`,
/// `nil` for a new document).
public struct ValidationPair: Sendable, Hashable {
    /// `newDoc` as compact JSON text (an object).
    public var newDocumentJSON: [UInt8]
    /// The stored revision it replaces (`oldDoc`), or `nil`.
    public var oldDocument: JSONValue?

    /// A pair from a parsed `newDoc`.
    public init(newDocument: JSONValue, oldDocument: JSONValue?) {
        self.init(newDocumentJSON: newDocument.serializedBytes(), oldDocument: oldDocument)
    }

    /// A pair from `newDoc` as JSON text (as a store builds it), sent on without a parse.
    /// The text must be one valid JSON object.
    public init(newDocumentJSON: [UInt8], oldDocument: JSONValue?) {
        self.newDocumentJSON = newDocumentJSON
        self.oldDocument = oldDocument
    }
}

/// The outcome of `validate_doc_update` for one write.
public enum ValidationOutcome: Sendable, Hashable {
    /// The function returned normally (or there is none): the write may proceed.
    case allowed
    /// `throw({forbidden: message})`: CouchDB answers 403 `forbidden`.
    case forbidden(String)
    /// `throw({unauthorized: message})`: CouchDB answers 401 `unauthorized`.
    case unauthorized(String)
    /// Any other exception: CouchDB answers 500 with `error` (`unknown_error` for a thrown string
    /// or object, the error's name such as `TypeError` for a JavaScript error) and `reason`.
    case failed(error: String, reason: String)

    /// The HTTP status of the rejection, or `nil` when the write is allowed.
    public var httpStatus: Int? {
        switch self {
        case .allowed: nil
        case .forbidden: 403
        case .unauthorized: 401
        case .failed: 500
        }
    }

    /// CouchDB's error body for a rejection (`{"error": ..., "reason": ...}`), or `nil`.
    public var errorBody: JSONValue? {
        switch self {
        case .allowed: nil
        case .forbidden(let reason): ["error": "forbidden", "reason": .string(reason)]
        case .unauthorized(let reason): ["error": "unauthorized", "reason": .string(reason)]
        case .failed(let error, let reason): ["error": .string(error), "reason": .string(reason)]
        }
    }
}

/// One row handed to a reduce: the emitted key, the id of the document that emitted it, and the value.
public struct ReduceRow: Sendable, Hashable {
    /// The emitted key.
    public var key: JSONValue
    /// The id of the emitting document.
    public var id: String
    /// The emitted value.
    public var value: JSONValue

    /// A row.
    public init(key: JSONValue, id: String, value: JSONValue) {
        self.key = key
        self.id = id
        self.value = value
    }
}
