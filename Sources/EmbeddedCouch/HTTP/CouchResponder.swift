import Hummingbird
import NIOCore

/// The request context: Hummingbird's core plus the client address (for authentication).
struct CouchRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let clientAddress: String

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        clientAddress = source.channel.remoteAddress?.ipAddress ?? ""
    }
}

/// Turns Hummingbird requests into ``CouchService`` calls and its answers into responses.
struct CouchResponder: HTTPResponder {
    typealias Context = CouchRequestContext
    let service: CouchService

    /// The largest request body read (documents are limited separately, see
    /// ``EmbeddedCouchConfiguration/maxDocumentBytes``).
    static let maxRequestBytes = 256 * 1024 * 1024

    func respond(to request: Request, context: Context) async throws -> Response {
        let target = request.head.path ?? "/"
        let rawPath: Substring
        let rawQuery: Substring?
        if let q = target.firstIndex(of: "?") {
            rawPath = target[..<q]
            rawQuery = target[target.index(after: q)...]
        } else {
            rawPath = target[...]
            rawQuery = nil
        }
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        let method = request.method.rawValue
        let body: [UInt8]
        do {
            let buffer = try await request.body.collect(upTo: Self.maxRequestBytes)
            body = Array(buffer.readableBytesView)
        } catch {
            return Self.response(CouchResponse(CouchHTTPError(status: 413, error: "too_large", reason: "the request entity is too large")), head: false)
        }
        let origin = "http://" + (request.head.authority ?? headers["host"] ?? "127.0.0.1")
        if let streamed = await service.streamedResponse(
            method: method, rawPath: rawPath, rawQuery: rawQuery, headers: headers, body: body, clientAddress: context.clientAddress, origin: origin) {
            return streamed
        }
        let response = await service.handle(
            method: method == "HEAD" ? "HEAD" : method, rawPath: rawPath, rawQuery: rawQuery, headers: headers, body: body,
            clientAddress: context.clientAddress, origin: origin)
        return Self.response(response, head: method == "HEAD")
    }

    static func response(_ couch: CouchResponse, head: Bool) -> Response {
        var fields = HTTPFields()
        fields[.cacheControl] = "must-revalidate"
        var buffer: ByteBuffer?
        switch couch.body {
        case .json(let value):
            fields[.contentType] = "application/json"
            buffer = Self.buffer(value.serializedBytes(), newline: true)
        case .bytes(let bytes, let type):
            fields[.contentType] = type
            buffer = Self.buffer(bytes, newline: type == "application/json")
        case .empty:
            buffer = nil
        }
        for (name, value) in couch.headers {
            if let fieldName = HTTPFields.Element.Name(name) { fields[fieldName] = value }
        }
        let status = HTTPResponse.Status(code: couch.status)
        guard let buffer else { return Response(status: status, headers: fields, body: ResponseBody()) }
        if head {
            // HEAD: the headers of the GET, including the length of the body not sent.
            fields[.contentLength] = String(buffer.readableBytes)
            return Response(status: status, headers: fields, body: ResponseBody())
        }
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: buffer))
    }

    /// One buffer holding `bytes` (and the newline CouchDB ends JSON bodies with).
    private static func buffer(_ bytes: [UInt8], newline: Bool) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: bytes.count + 1)
        buffer.writeBytes(bytes)
        if newline { buffer.writeInteger(UInt8(ascii: "\n")) }
        return buffer
    }
}
