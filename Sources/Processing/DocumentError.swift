/// A document that is not what its type says: which document, which member, and what is wrong.
public struct DocumentError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of problem.
    public enum Code: String, Sendable, Hashable {
        /// The document does not have the shape its type requires.
        case malformed
    }

    /// The kind of problem.
    public var code: Code
    /// The document id, when known.
    public var id: String?
    /// The member at fault, e.g. `passes.2.status`.
    public var key: String?
    /// What is wrong, for humans.
    public var message: String

    /// Makes an error.
    public init(_ code: Code, id: String?, key: String? = nil, _ message: String) {
        self.code = code
        self.id = id
        self.key = key
        self.message = message
    }

    public var description: String {
        var text = id ?? "document"
        if let key { text += ": \(key)" }
        return text + ": " + message
    }
}
