/// What of the worker's own environment jobs do not get.
///
/// Batch systems hand jobs the submitter's environment (Slurm's default `--export=ALL`, LSF,
/// the local backend's inheritance), and job scripts print their environment into logs. gasp's
/// own secrets are withheld from submission commands and local jobs: variables starting with
/// `GASP_` whose name contains `PASSWORD`, and `GASP_ADMIN_FILE` and `GASP_TEST_COUCHDB_URL`
/// (which carry or point to credentials). A request's ``BackendJobRequest/environment`` is
/// always passed, whatever its names.
public enum JobEnvironment {
    /// Whether the variable `name` is kept from jobs.
    public static func isWithheld(_ name: String) -> Bool {
        (name.hasPrefix("GASP_") && name.contains("PASSWORD"))
            || name == "GASP_ADMIN_FILE" || name == "GASP_TEST_COUCHDB_URL"
    }

    /// `environment` without the withheld variables.
    public static func forJobs(_ environment: [String: String]) -> [String: String] {
        environment.filter { !isWithheld($0.key) }
    }
}
