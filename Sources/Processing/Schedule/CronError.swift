/// A cron expression that cannot be used: which field, which token, and what is wrong.
///
/// The message names both, e.g. `minute field: 61 is out of range 0-59`.
public struct CronError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of problem.
    public enum Code: String, Sendable, Hashable {
        /// Not five fields (and not an alias).
        case fieldCount
        /// An `@` word that is not one of the aliases.
        case unknownAlias
        /// A token that is neither a number, a name this field knows, nor `*`.
        case invalidToken
        /// A number or name outside the field's range.
        case outOfRange
        /// A range whose end comes before its start.
        case invalidRange
        /// A step that is zero or not a number.
        case invalidStep
        /// Well-formed, but no date ever matches (e.g. `0 0 30 feb *`).
        case neverFires
    }

    /// The kind of problem.
    public var code: Code
    /// The field at fault (`minute`, `hour`, `day-of-month`, `month`, `day-of-week`), when one is.
    public var field: String?
    /// The offending token, when one is.
    public var token: String?
    /// What is wrong, for humans, naming the field and the token.
    public var message: String

    /// Makes an error; `message` is prefixed with `<field> field: ` when a field is given.
    public init(_ code: Code, field: String? = nil, token: String? = nil, _ message: String) {
        self.code = code
        self.field = field
        self.token = token
        self.message = field.map { "\($0) field: " + message } ?? message
    }

    public var description: String { message }
}
