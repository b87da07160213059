import Foundation

/// Slurm's job states (`squeue %T`, `sacct State`, `scontrol JobState`) as ``BackendJobState``.
public enum SlurmStateParser {
    /// The normalised kind of a Slurm state word. Accepts the long names (`PENDING`), the short
    /// codes `squeue %t` prints (`PD`), `sacct`'s `CANCELLED by 1234` and trailing `+`.
    public static func kind(of raw: String) -> BackendJobState.Kind {
        let word = raw.trimmingCharacters(in: .whitespaces)
            .split(separator: " ").first.map(String.init)?
            .uppercased()
            .trimmingCharacters(in: CharacterSet(charactersIn: "+")) ?? ""
        return table[word] ?? .other
    }

    /// The state with its exit code and signal: `exitCode`/`signal` from `sacct`'s `ExitCode`
    /// (`3:0`) or `squeue`'s `exit_code` (a wait status); `reason` from `squeue %r`/`scontrol Reason`.
    public static func state(raw: String, exitCode: Int32? = nil, signal: Int32? = nil, reason: String? = nil) -> BackendJobState {
        var kind = kind(of: raw)
        let reason = reason.flatMap { $0 == "None" || $0.isEmpty ? nil : $0 }
        // A job that "completed" with a non-zero code is Slurm's FAILED; trust the code.
        if kind == .completed, let exitCode, exitCode != 0 { kind = .failed }
        var result = BackendJobState(kind, exitCode: exitCode, signal: signal == 0 ? nil : signal, reason: reason, raw: raw)
        if kind == .failed, result.reason == nil {
            if let signal, signal != 0 { result.reason = "killed by signal \(signal)" }
            else if let exitCode { result.reason = "exit code \(exitCode)" }
        }
        return result
    }

    /// `sacct`'s `ExitCode` field, `exit:signal` (`3:0`, `0:15`).
    public static func exitAndSignal(sacct text: String) -> (exit: Int32?, signal: Int32?) {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let exit = Int32(parts[0]), let signal = Int32(parts[1]) else { return (nil, nil) }
        return (exit, signal)
    }

    /// `squeue -O exit_code`: a wait status (`768` is exit 3, `15` is signal 15).
    public static func exitAndSignal(waitStatus text: String) -> (exit: Int32?, signal: Int32?) {
        guard let status = Int32(text.trimmingCharacters(in: .whitespaces)) else { return (nil, nil) }
        return ((status >> 8) & 0xff, status & 0x7f)
    }

    /// Every state Slurm 22.05–24.x documents, long names and `squeue %t` codes.
    static let table: [String: BackendJobState.Kind] = [
        "PENDING": .queued, "PD": .queued,
        "CONFIGURING": .queued, "CF": .queued,
        "REQUEUED": .queued, "RQ": .queued,
        "REQUEUE_FED": .queued, "RF": .queued,
        "REQUEUE_HOLD": .held, "RH": .held,
        "RESV_DEL_HOLD": .held, "RD": .held,
        "RUNNING": .running, "R": .running,
        "COMPLETING": .running, "CG": .running,
        "RESIZING": .running, "RS": .running,
        "SIGNALING": .running, "SI": .running,
        "STAGE_OUT": .running, "SO": .running,
        "UPDATE_DB": .running, "UD": .running,
        "SUSPENDED": .suspended, "S": .suspended,
        "STOPPED": .suspended, "ST": .suspended,
        "COMPLETED": .completed, "CD": .completed,
        "FAILED": .failed, "F": .failed,
        "SPECIAL_EXIT": .failed, "SE": .failed,
        "LAUNCH_FAILED": .failed, "LF": .failed,
        "CANCELLED": .cancelled, "CA": .cancelled,
        "REVOKED": .cancelled, "RV": .cancelled,
        "TIMEOUT": .timedOut, "TO": .timedOut,
        "DEADLINE": .timedOut, "DL": .timedOut,
        "NODE_FAIL": .nodeFailed, "NF": .nodeFailed,
        "BOOT_FAIL": .nodeFailed, "BF": .nodeFailed,
        "OUT_OF_MEMORY": .outOfMemory, "OOM": .outOfMemory,
        "PREEMPTED": .preempted, "PR": .preempted,
    ]
}
