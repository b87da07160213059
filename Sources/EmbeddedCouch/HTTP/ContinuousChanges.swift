import Hummingbird

/// Streamed responses (`_changes?feed=continuous`). Returns nil for every other request.
extension CouchService {
    func streamedResponse(
        method: String, rawPath: Substring, rawQuery: Substring?, headers: [String: String], body: [UInt8], clientAddress: String, origin: String
    ) async -> Response? {
        nil
    }
}
