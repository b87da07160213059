import Foundation

/// `gasp worker …` becomes `gasp-worker …` when that executable sits beside `gasp`: the same
/// process (same pid, so service managers and signals are unaffected), without the embedded
/// store, the view engine and the benchmarks in memory. Without it the worker runs in `gasp`.
enum WorkerExecutable {
    /// Replaces this process with `gasp-worker` if `arguments` (without the program name) ask
    /// for the worker and it is installed; returns only when it is not.
    static func execIfRequested(_ arguments: [String]) {
        guard arguments.first == "worker", let path = sibling() else { return }
        let argv = ([path] + arguments.dropFirst()).map { strdup($0) } + [nil]
        execv(path, argv)
        // execv returns only on failure: run the worker in this process instead.
        for pointer in argv { free(pointer) }
    }

    /// `gasp-worker` in the directory of this executable (symbolic links resolved).
    static func sibling() -> String? {
        guard let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return nil }
        let path = URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent("gasp-worker").path
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }
}
