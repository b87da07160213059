/// An error that is the whole message for the operator: printed as is, exit status 1.
public struct ExitMessage: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
