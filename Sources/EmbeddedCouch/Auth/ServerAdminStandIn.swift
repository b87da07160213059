// Stand-in until the store branch (which owns `EmbeddedCouchConfiguration.swift`) is merged;
// delete this file at integration.

/// The server administrator, set at start from the environment or a file (never argv).
public struct ServerAdmin: Sendable, Equatable {
    /// The admin's user name.
    public var name: String
    /// The admin's password, in clear.
    public var password: String

    public init(name: String, password: String) {
        self.name = name
        self.password = password
    }
}
