import Foundation
import JSON
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// `gasp serve` killed with SIGKILL under write load keeps every write it answered 201.
@Suite("Crash durability")
struct CrashDurabilityTests {
    /// The `gasp` executable next to the test bundle (built by `swift build --build-tests`).
    static let gaspBinary: String? = {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0])
        var directory = testBinary.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("gasp").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }()

    static var runnable: Bool {
        gaspBinary != nil && (ProcessInfo.processInfo.environment["GASP_TEST_COUCHDB_URL"] ?? "").isEmpty
    }

    /// A free loopback port (bound, read and released).
    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw TestSupportError("cannot find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private static func startServer(data: String, port: Int) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: gaspBinary!)
        process.arguments = ["serve", "--data", data, "--port", String(port)]
        process.environment = ["GASP_ADMIN_NAME": testAdminName, "GASP_ADMIN_PASSWORD": testAdminPassword, "PATH": "/usr/bin:/bin"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    private static func waitUntilUp(_ client: HTTPTestClient) async throws {
        let deadline = ContinuousClock.now.advanced(by: .seconds(60))
        while ContinuousClock.now < deadline {
            if let reply = try? await client.send(.GET, "/_up"), reply.status == 200 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestSupportError("gasp serve did not come up")
    }

    @Test(.enabled(if: runnable, "needs the gasp executable and the embedded store"))
    func answeredWritesSurviveSIGKILL() async throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("gasp-crash-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: data) }
        let port = try Self.freePort()
        let client = HTTPTestClient(baseURL: "http://127.0.0.1:\(port)", adminName: testAdminName, adminPassword: testAdminPassword)
        let server = try Self.startServer(data: data, port: port)
        try await Self.waitUntilUp(client)
        #expect(try await client.send(.PUT, "/crash").status == 201)

        // Four writers; each remembers what the server acknowledged. The server is killed
        // while they write, so their last requests fail (the client keeps trying to connect
        // until the request's deadline, hence the short timeout).
        let acknowledged = try await withThrowingTaskGroup(of: [(String, String)].self) { group in
            for writer in 0..<4 {
                group.addTask {
                    var acked: [(String, String)] = []
                    for n in 0..<100_000 {
                        let id = "w\(writer)-\(n)"
                        guard let reply = try? await client.send(.PUT, "/crash/\(id)", json: ["n": .int(n)], timeout: .seconds(3)) else { break }
                        if reply.status == 201, let rev = reply.json?["rev"]?.stringValue { acked.append((id, rev)) }
                    }
                    return acked
                }
            }
            // Kill once enough writes have been answered.
            let deadline = ContinuousClock.now.advanced(by: .seconds(60))
            while ContinuousClock.now < deadline {
                if let info = try? await client.send(.GET, "/crash").json, (info["doc_count"]?.intValue ?? 0) >= 200 { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
            var all: [(String, String)] = []
            for try await part in group { all += part }
            return all
        }
        #expect(acknowledged.count >= 200)

        let restarted = try Self.startServer(data: data, port: port)
        defer {
            restarted.terminate()
            restarted.waitUntilExit()
        }
        try await Self.waitUntilUp(client)
        var missing: [String] = []
        for (id, rev) in acknowledged {
            // A pooled connection to the killed server may fail once; ask again.
            let reply: HTTPTestClient.Reply
            do {
                reply = try await client.send(.GET, "/crash/\(id)", timeout: .seconds(10))
            } catch {
                reply = try await client.send(.GET, "/crash/\(id)", timeout: .seconds(10))
            }
            if reply.json?["_rev"]?.stringValue != rev { missing.append(id) }
        }
        #expect(missing.isEmpty, "acknowledged writes lost: \(missing.prefix(10))")
    }
}
