import AsyncHTTPClient
import NIOCore
import NIOHTTP1

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Errors a connect(2) can fail with before anything was sent (a refused connection is an
/// `IOError` with `ECONNREFUSED` when AsyncHTTPClient does not retry the connection itself).
/// `ECONNRESET` and the like are not here: they may come after the request went out.
private let connectErrnos: Set<Int32> = [ECONNREFUSED, ENETUNREACH, EHOSTUNREACH, EADDRNOTAVAIL]

/// The production transport: AsyncHTTPClient, with a connection pool shared by every request.
///
/// Connection establishment is not retried inside AsyncHTTPClient (its default would hold a
/// request until its deadline while the server is down); the client's own retry policy does that,
/// with backoff, and knows that a request that never connected is safe to send again.
public final class AsyncHTTPClientTransport: HTTPTransport {
    /// The underlying client.
    public let httpClient: HTTPClient
    /// Whether ``shutdown()`` shuts `httpClient` down (true when this transport created it).
    public let ownsClient: Bool
    /// Answers larger than this fail with a transport error instead of filling memory.
    public let maximumResponseBytes: Int

    /// Creates a transport with its own `HTTPClient` on the shared event loop group.
    public convenience init(connectTimeout: Duration = .seconds(10), maximumResponseBytes: Int = 256 << 20) {
        var configuration = HTTPClient.Configuration()
        configuration.timeout.connect = TimeAmount(connectTimeout)
        configuration.redirectConfiguration = .disallow
        configuration.decompression = .disabled
        configuration.connectionPool = .init(idleTimeout: .seconds(60))
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 16
        configuration.connectionPool.retryConnectionEstablishment = false
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.init(httpClient: client, ownsClient: true, maximumResponseBytes: maximumResponseBytes)
    }

    /// Uses an existing `HTTPClient`; `ownsClient` says whether ``shutdown()`` shuts it down.
    public init(httpClient: HTTPClient, ownsClient: Bool = false, maximumResponseBytes: Int = 256 << 20) {
        self.httpClient = httpClient
        self.ownsClient = ownsClient
        self.maximumResponseBytes = maximumResponseBytes
    }

    public func send(_ request: TransportRequest) async throws -> TransportResponse {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = request.method
        outgoing.headers = request.headers
        if let body = request.body {
            outgoing.body = .bytes(ByteBuffer(bytes: body))
        }
        let deadline = NIODeadline.now() + TimeAmount(request.timeout)
        do {
            let response = try await httpClient.execute(outgoing, deadline: deadline)
            let buffer = try await response.body.collect(upTo: maximumResponseBytes)
            return TransportResponse(
                status: Int(response.status.code), headers: response.headers,
                body: Array(buffer.readableBytesView))
        } catch let error as TransportError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw Self.classify(error)
        }
    }

    public func shutdown() async throws {
        if ownsClient {
            try await httpClient.shutdown()
        }
    }

    /// Sorts an AsyncHTTPClient or NIO error into what the retry policy needs to know.
    static func classify(_ error: any Error) -> TransportError {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .writeTimeout:
                return TransportError(kind: .timeout, message: String(describing: error))
            case .connectTimeout, .socksHandshakeTimeout, .tlsHandshakeTimeout:
                return TransportError(kind: .notConnected, message: String(describing: error))
            default:
                return TransportError(kind: .failed, message: String(describing: error))
            }
        }
        if let error = error as? ChannelError, case .connectTimeout = error {
            return TransportError(kind: .notConnected, message: String(describing: error))
        }
        // NIOPosix's NIOConnectionError (refused, unreachable, DNS) is the failure to open a
        // connection; named by type to keep NIOPosix out of this module's dependencies.
        let typeName = String(describing: type(of: error))
        if typeName == "NIOConnectionError" || typeName == "SingleConnectionFailure" {
            return TransportError(kind: .notConnected, message: String(describing: error))
        }
        if let error = error as? IOError, connectErrnos.contains(error.errnoCode) {
            return TransportError(kind: .notConnected, message: String(describing: error))
        }
        return TransportError(kind: .failed, message: String(describing: error))
    }
}

extension TimeAmount {
    /// The same span as a Swift `Duration`, to the nanosecond.
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
