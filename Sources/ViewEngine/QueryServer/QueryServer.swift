import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The query-server side of the line protocol: what `gasp query-server` runs.
///
/// Reads one JSON request per line from `input`, answers one JSON line per request on `output`,
/// and returns when `input` reaches end of file (the parent closed it or died). The protocol is
/// internal to gasp; ``QueryServerPool`` is the only client. Requests (`op`):
///
/// - `load` `{key, maps:[{name,map}], reduces:[{name,reduce}], validate, ddoc}`: compile and keep
///   under `key` (`key: null` only checks that everything compiles);
/// - `map` `{key, docs:[...]}` → `{rows: [doc][view][[key, value]...], failures: [[doc, view, message]]}`;
/// - `reduce` `{src, kvs:[[[key, id], value]...]}`, `rereduce` `{src, values}` → the value;
/// - `validate` `{key, newDoc, oldDoc, userCtx, secObj}` → `true` or `{forbidden|unauthorized|error...}`;
/// - `validate_batch` `{key, docs:[[newDoc, oldDoc]...], userCtx, secObj}` → one `validate`
///   answer per pair, in order;
/// - `drop` `{key}`, `reset`.
///
/// Each answer is `{"ok": result}` or `{"error": code, "reason": text}`, with `"log"` when
/// functions called `log()`.
public enum QueryServer {
    /// Serves requests until end of input. Throws when the JavaScript engine cannot start.
    public static func run(input: Int32 = 0, output: Int32 = 1) throws(ViewEngineError) {
        watchParent()
        let runtime = try JavaScriptRuntime()
        var pending: [UInt8] = []
        pending.reserveCapacity(1 << 16)
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var scanFrom = 0
        while true {
            let n = chunk.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return
            }
            if n == 0 { return }
            pending.append(contentsOf: chunk[0..<n])
            var lineStart = 0
            var index = scanFrom
            while let newline = pending.withUnsafeBufferPointer({ ByteScan.index(of: 0x0A, in: $0, from: index) }) {
                var response = pending.withUnsafeBufferPointer { buffer in
                    runtime.dispatch(UnsafeBufferPointer(rebasing: buffer[lineStart..<newline]))
                }
                response.append(0x0A)
                guard writeAll(output, response) else { return }
                lineStart = newline + 1
                index = lineStart
            }
            if lineStart > 0 { pending.removeFirst(lineStart) }
            scanFrom = pending.count
        }
    }

    /// Exits when the parent goes away: a runaway function would otherwise spin on after the
    /// store that started this process is gone. (PR_SET_PDEATHSIG is tied to the spawning
    /// thread, which in a thread pool may end at any time, so the parent is polled instead.)
    private static func watchParent() {
        let parent = getppid()
        let watchdog = Thread {
            while true {
                sleep(1)
                if getppid() != parent { _exit(2) }
            }
        }
        watchdog.start()
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += n
        }
        return true
    }
}
