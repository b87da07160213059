/// The script a batch system is handed: the caller's script with its environment exported first.
///
/// The environment goes into the script rather than onto the batch command line, where every
/// system quotes differently (Slurm's `--export` splits on commas, HTCondor has two syntaxes).
public enum JobScript {
    /// The composed text. A script with its own `#!` line keeps it (the exports follow it);
    /// otherwise it runs under `/bin/sh`. With `changeDirectory`, the script first changes to
    /// the working directory (for systems with no such option of their own).
    public static func compose(_ request: BackendJobRequest, changeDirectory: Bool = false) -> String {
        var shebang = "#!/bin/sh"
        var body = request.script
        if body.hasPrefix("#!") {
            let end = body.firstIndex(of: "\n") ?? body.endIndex
            shebang = String(body[..<end])
            body = end < body.endIndex ? String(body[body.index(after: end)...]) : ""
        }
        var lines = [shebang]
        for key in request.environment.keys.sorted() {
            lines.append("export \(key)=\(ShellQuoting.quote(request.environment[key]!))")
        }
        if changeDirectory {
            lines.append("cd \(ShellQuoting.quote(request.workingDirectory)) || exit 1")
        }
        lines.append(body)
        var text = lines.joined(separator: "\n")
        if !text.hasSuffix("\n") { text += "\n" }
        return text
    }
}
