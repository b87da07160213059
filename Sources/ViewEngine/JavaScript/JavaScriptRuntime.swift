import CDuktape
import JSON

/// One Duktape heap with the query-server prelude loaded.
///
/// Used only inside a `gasp query-server` process, one request at a time: Duktape has no
/// execution time limit here, so the parent bounds every call by killing the process.
final class JavaScriptRuntime {
    private let context: OpaquePointer

    /// Creates a heap and evaluates the prelude.
    init() throws(ViewEngineError) {
        guard let context = gasp_duk_create_heap() else {
            throw ViewEngineError(.processFailed, "Duktape could not create a heap")
        }
        self.context = context
        var source = QueryServerPrelude.source
        let rc = source.withUTF8 { buffer in
            buffer.withMemoryRebound(to: CChar.self) { gasp_duk_peval_lstring(context, $0.baseAddress, $0.count) }
        }
        if rc != 0 {
            let message = Self.topString(context)
            duk_pop(context)
            gasp_duk_destroy_heap(context)
            throw ViewEngineError(.processFailed, "query-server prelude failed: \(message)")
        }
        duk_pop(context)
    }

    deinit { gasp_duk_destroy_heap(context) }

    /// Handles one request line (JSON, without the newline) and returns the response line as
    /// UTF-8 (CESU-8 surrogates from JavaScript strings converted).
    func dispatch(_ line: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        _ = duk_get_global_string(context, "__gasp_dispatch")
        if let escaped = CESU8.escapingSupplementary(line) {
            escaped.withUnsafeBytes { bytes in
                _ = duk_push_lstring(context, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count)
            }
        } else {
            line.withMemoryRebound(to: CChar.self) { chars in
                _ = duk_push_lstring(context, chars.baseAddress, chars.count)
            }
        }
        let rc = duk_pcall(context, 1)
        var length = 0
        let pointer = gasp_duk_safe_to_lstring(context, -1, &length)
        var bytes: [UInt8]
        if rc == 0, let pointer {
            bytes = CESU8.toUTF8(UnsafeRawBufferPointer(start: pointer, count: length))
        } else {
            let message = pointer.map { String(cString: $0) } ?? "unknown failure"
            var out: [UInt8] = []
            JSONValue.object(["error": "query_server_error", "reason": .string(message)]).write(into: &out)
            bytes = out
        }
        duk_pop(context)
        return bytes
    }

    private static func topString(_ context: OpaquePointer) -> String {
        var length = 0
        guard let pointer = gasp_duk_safe_to_lstring(context, -1, &length) else { return "" }
        return String(decoding: CESU8.toUTF8(UnsafeRawBufferPointer(start: pointer, count: length)), as: UTF8.self)
    }
}
