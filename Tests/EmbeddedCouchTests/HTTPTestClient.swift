import AsyncHTTPClient
import Foundation
import JSON
import NIOCore
import NIOHTTP1
import TestSupport

/// A minimal HTTP client for talking to a ``TestCouch`` as the server admin.
struct HTTPTestClient: Sendable {
    let baseURL: String
    let adminName: String
    let adminPassword: String

    init(couch: TestCouch) {
        self.init(baseURL: couch.baseURL.absoluteString, adminName: couch.adminName, adminPassword: couch.adminPassword)
    }

    init(baseURL: String, adminName: String, adminPassword: String) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.adminName = adminName
        self.adminPassword = adminPassword
    }

    struct Reply: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: [UInt8]
        var json: JSONValue? { try? JSONParser.parse(body) }
    }

    func send(
        _ method: HTTPMethod, _ path: String, json: JSONValue? = nil, raw: [UInt8]? = nil,
        headers: [(String, String)] = [], admin: Bool = true, timeout: TimeAmount = .seconds(60)
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        if admin {
            let token = Data("\(adminName):\(adminPassword)".utf8).base64EncodedString()
            request.headers.add(name: "Authorization", value: "Basic \(token)")
        }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: json.serializedBytes()))
        } else if let raw {
            request.body = .bytes(ByteBuffer(bytes: raw))
        }
        for (name, value) in headers { request.headers.replaceOrAdd(name: name, value: value) }
        let response = try await HTTPClient.shared.execute(request, timeout: timeout)
        let body = try await response.body.collect(upTo: 64 * 1024 * 1024)
        return Reply(status: Int(response.status.code), headers: response.headers, body: Array(body.readableBytesView))
    }
}
