#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Who holds a lease, or wants it: a site and one process of that site.
///
/// Two workers started for the same site (a mistake, but one that happens) have different
/// instances, so each can tell the other's lease from its own.
public struct LeaseHolder: Sendable, Hashable, CustomStringConvertible {
    /// The site name, e.g. `site-a`.
    public var site: String
    /// An id unique to one process, e.g. `host.example.org/4242/5f0c9a1e`.
    public var instance: String

    /// A holder with a given instance id.
    public init(site: String, instance: String) {
        self.site = site
        self.instance = instance
    }

    /// This process as a holder for `site`: the instance is the host name, the process id and
    /// 32 random bits, so a restarted process (even with a recycled pid) is a new instance.
    public static func thisProcess(site: String) -> LeaseHolder {
        let random = String(UInt32.random(in: .min ... .max), radix: 16)
        return LeaseHolder(site: site, instance: "\(hostName())/\(getpid())/\(random)")
    }

    public var description: String { "\(site) (\(instance))" }

    /// The host name, or `localhost` when it cannot be read.
    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return bytes.isEmpty ? "localhost" : String(decoding: bytes, as: UTF8.self)
    }
}
