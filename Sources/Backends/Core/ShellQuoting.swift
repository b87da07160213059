import Foundation

/// Quoting for POSIX `sh`.
public enum ShellQuoting {
    /// `text` as one `sh` word: left bare when it is made only of safe characters, else in
    /// single quotes with embedded single quotes written as `'\''`.
    public static func quote(_ text: String) -> String {
        if !text.isEmpty, text.unicodeScalars.allSatisfy({ safe.contains($0) }) { return text }
        return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// Whether `name` can be an environment variable in `sh` (`[A-Za-z_][A-Za-z0-9_]*`).
    public static func isVariableName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || letters.contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || letters.contains($0) || digits.contains($0) }
    }

    private static let letters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".unicodeScalars)
    private static let digits = Set("0123456789".unicodeScalars)
    private static let safe = letters.union(digits).union(Set("_-./:=@%+,".unicodeScalars))
}
