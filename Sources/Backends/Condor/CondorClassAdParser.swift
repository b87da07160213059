import Foundation
import JSON

/// One job ClassAd as `condor_q -json` or `condor_history -json` printed it.
public struct CondorJobAd: Sendable, Hashable {
    public var id: BackendJobID
    /// `JobBatchName` (or `GaspJobName`, which ``CondorBackend`` also sets).
    public var name: String
    public var state: BackendJobState
    public var standardOutputPath: String?
    public var standardErrorPath: String?
    /// `RemoteUserCpu + RemoteSysCpu`, when present.
    public var cpuSeconds: Double?
}

/// Parsers for HTCondor's output.
public enum CondorClassAdParser {
    /// The attributes ``CondorBackend`` asks `condor_q` and `condor_history` for.
    public static let attributes = [
        "ClusterId", "ProcId", "JobStatus", "ExitCode", "ExitBySignal", "ExitSignal",
        "HoldReason", "RemoveReason", "JobBatchName", "GaspJobName", "Out", "Err",
        "RemoteUserCpu", "RemoteSysCpu",
    ]

    /// `condor_q -json` / `condor_history -json` output: a JSON array of ClassAds, or nothing at
    /// all when no job matched.
    public static func jobs(_ text: String) throws(BackendError) -> [CondorJobAd] {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return [] }
        let value: JSONValue
        do {
            value = try JSONParser.parse(trimmed)
        } catch {
            throw BackendError(.unparsableOutput, "HTCondor printed JSON that does not parse: \(error)")
        }
        guard let ads = value.arrayValue else {
            throw BackendError(.unparsableOutput, "HTCondor printed a JSON \(value.typeName), not an array of ClassAds")
        }
        return try ads.map { (ad) throws(BackendError) -> CondorJobAd in try job(ad) }
    }

    static func job(_ ad: JSONValue) throws(BackendError) -> CondorJobAd {
        guard let cluster = ad["ClusterId"]?.intValue, let proc = ad["ProcId"]?.intValue else {
            throw BackendError(.unparsableOutput, "a ClassAd without ClusterId and ProcId: \(ad.serialized())")
        }
        let user = ad["RemoteUserCpu"]?.doubleValue
        let system = ad["RemoteSysCpu"]?.doubleValue
        return CondorJobAd(
            id: BackendJobID("\(cluster).\(proc)"),
            name: ad["GaspJobName"]?.stringValue ?? ad["JobBatchName"]?.stringValue ?? "",
            state: state(ad),
            standardOutputPath: ad["Out"]?.stringValue,
            standardErrorPath: ad["Err"]?.stringValue,
            cpuSeconds: user == nil && system == nil ? nil : (user ?? 0) + (system ?? 0))
    }

    /// `JobStatus` (1 idle, 2 running, 3 removed, 4 completed, 5 held, 6 transferring output,
    /// 7 suspended) with `ExitCode`, `ExitBySignal`, `ExitSignal`, `HoldReason`, `RemoveReason`.
    public static func state(_ ad: JSONValue) -> BackendJobState {
        guard let status = ad["JobStatus"]?.intValue else { return BackendJobState(.other, raw: "JobStatus missing") }
        let raw = "JobStatus=\(status)"
        switch status {
        case 1: return BackendJobState(.queued, raw: raw)
        case 2, 6: return BackendJobState(.running, raw: raw)
        case 3: return BackendJobState(.cancelled, reason: ad["RemoveReason"]?.stringValue, raw: raw)
        case 4:
            if ad["ExitBySignal"]?.boolValue == true {
                let signal = ad["ExitSignal"]?.intValue.map(Int32.init)
                return BackendJobState(.failed, signal: signal,
                                       reason: "killed by signal \(signal.map(String.init) ?? "?")", raw: raw)
            }
            guard let code = ad["ExitCode"]?.intValue.map(Int32.init) else {
                return BackendJobState(.completed, raw: raw)
            }
            return code == 0
                ? BackendJobState(.completed, exitCode: 0, raw: raw)
                : BackendJobState(.failed, exitCode: code, reason: "exit code \(code)", raw: raw)
        case 5: return BackendJobState(.held, reason: ad["HoldReason"]?.stringValue, raw: raw)
        case 7: return BackendJobState(.suspended, raw: raw)
        default: return BackendJobState(.other, raw: raw)
        }
    }

    /// `condor_submit -terse` output: `ClusterId.ProcId - ClusterId.ProcId` (first and last job
    /// of the cluster); the first is the job.
    public static func submittedID(_ text: String) throws(BackendError) -> BackendJobID {
        for line in text.split(whereSeparator: \.isNewline) {
            let first = line.split(separator: " ").first.map(String.init) ?? ""
            let parts = first.split(separator: ".")
            if parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isNumber) }) {
                return BackendJobID(first)
            }
        }
        throw BackendError(.unparsableOutput, "condor_submit -terse printed \"\(text.trimmingCharacters(in: .whitespacesAndNewlines))\", not ClusterId.ProcId")
    }
}
