import Foundation

/// A job's identifier in its batch system: a Slurm job id (`1234`), an HTCondor `ClusterId.ProcId`
/// (`1234.0`), a PBS id (`1234.server`), or a local backend's job folder name.
///
/// Ids are only meaningful to the backend that issued them.
public struct BackendJobID: RawRepresentable, Sendable, Hashable, Codable, Comparable,
    CustomStringConvertible, ExpressibleByStringLiteral
{
    /// The batch system's own spelling of the id.
    public var rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }

    public var description: String { rawValue }

    /// Numeric-aware order: `9` before `10`, `12.0` before `12.1`, then by text.
    public static func < (lhs: BackendJobID, rhs: BackendJobID) -> Bool {
        lhs.rawValue.compare(rhs.rawValue, options: .numeric) == .orderedAscending
    }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
