#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Wall-clock time in whole seconds since the Unix epoch, as cookies and lockouts count it.
/// Injected so tests can move time forward without sleeping.
struct AuthClock: Sendable {
    /// The current time in seconds since 1970-01-01 UTC.
    var now: @Sendable () -> Int64

    init(now: @escaping @Sendable () -> Int64) {
        self.now = now
    }

    /// The system clock.
    static let system = AuthClock { Int64(Date().timeIntervalSince1970) }
}
