/// Command templates for PBS (OpenPBS / PBS Pro), Grid Engine (SGE, OGS, UGE) and LSF, as data.
///
/// Each is a starting point: a site adjusts it in its configuration (a different parallel
/// environment for SGE cores, a memory unit for LSF) by giving its own template.
public enum TemplatePresets {
    /// The preset for a kind (`pbs`, `sge`, `lsf`), or `nil`.
    public static func preset(_ kind: String) -> CommandTemplate? {
        switch kind {
        case "pbs": pbs
        case "sge": sge
        case "lsf": lsf
        default: nil
        }
    }

    /// The kinds with a preset.
    public static let kinds = ["pbs", "sge", "lsf"]

    /// OpenPBS / PBS Pro: `qsub` prints `1234.server`; `qstat -x -f -F dsv` prints one
    /// `|`-separated line per job, finished ones included (`-x`), with `job_state` and `Exit_status`.
    public static let pbs = CommandTemplate(
        submit: [["qsub"], ["-N", "{name}"], ["-o", "{stdout}"], ["-e", "{stderr}"],
                 ["-l", "ncpus={cores}"], ["-l", "mem={memory_mb}mb"], ["-l", "walltime={walltime}"],
                 ["{script}"]],
        changeDirectoryInScript: true,
        submittedIDPattern: #"^\s*(\d+(?:\[\d*\])?\.\S+)\s*$"#,
        status: .init(command: [["qstat", "-x", "-f", "-F", "dsv"], ["{ids}"]],
                      idPattern: #"^Job_Id=([^|]+)"#,
                      statePattern: #"\|job_state=([A-Z])"#,
                      namePattern: #"\|Job_Name=([^|]*)"#,
                      exitCodePattern: #"\|Exit_status=(-?\d+)"#,
                      reasonPattern: #"\|comment=([^|]*)"#,
                      noJobPatterns: ["Unknown Job Id", "Job has finished"]),
        find: .init(command: [["qstat", "-x", "-f", "-F", "dsv"]],
                    idPattern: #"^Job_Id=([^|]+)"#,
                    statePattern: #"\|job_state=([A-Z])"#,
                    namePattern: #"\|Job_Name=([^|]*)"#,
                    exitCodePattern: #"\|Exit_status=(-?\d+)"#),
        cancel: [["qdel"], ["{ids}"]],
        cancelNoJobPatterns: ["Unknown Job Id", "Job has finished", "Request invalid for state of job"],
        stateMap: [
            "Q": .queued, "W": .queued, "T": .queued, "M": .other,
            "H": .held, "R": .running, "E": .running, "B": .running,
            "S": .suspended, "U": .suspended,
            "F": .completed, "X": .completed, "C": .completed,
        ])

    /// Grid Engine: `qsub` prints `Your job 1234 ("name") has been submitted`; plain `qstat`
    /// lists this user's unfinished jobs, one line each (the name column is truncated, so
    /// finding by name uses `qstat -j 'prefix*'`, whose blocks carry the full name). Finished
    /// jobs leave qstat at once: they become ``BackendJobState/Kind/unknown`` (exit codes are in
    /// `qacct`, which this preset does not query). Cores use the `smp` parallel environment.
    public static let sge = CommandTemplate(
        submit: [["qsub", "-S", "/bin/sh"], ["-N", "{name}"], ["-wd", "{workdir}"],
                 ["-o", "{stdout}"], ["-e", "{stderr}"], ["-pe", "smp", "{cores}"],
                 ["-l", "h_vmem={memory_mb}M"], ["-l", "h_rt={walltime}"], ["{script}"]],
        submittedIDPattern: #"Your job(?:-array)? (\d+)"#,
        status: .init(command: [["qstat"]],
                      idPattern: #"^\s*(\d+)\s+\d"#,
                      statePattern: #"^\s*\d+\s+\S+\s+\S+\s+\S+\s+(\S+)"#,
                      namePattern: #"^\s*\d+\s+\S+\s+(\S+)"#),
        find: .init(command: [["qstat", "-j", "{prefix}*"]],
                    recordStart: #"^job_number:"#,
                    idPattern: #"^job_number:\s+(\d+)"#,
                    namePattern: #"^job_name:\s+(\S+)"#,
                    noJobPatterns: ["do not exist", "Following jobs do not exist"]),
        cancel: [["qdel"], ["{ids}"]],
        cancelNoJobPatterns: ["does not exist"],
        stateMap: [
            "qw": .queued, "Rq": .queued, "t": .running, "r": .running, "Rr": .running, "Rt": .running,
            "hqw": .held, "hRwq": .held, "s": .suspended, "S": .suspended, "T": .suspended,
            "ts": .suspended, "tS": .suspended, "Eqw": .failed, "dr": .cancelled, "dt": .cancelled,
            "dRr": .cancelled, "dqw": .cancelled,
        ])

    /// LSF: `bsub` (script on standard input) prints `Job <1234> is submitted to queue <normal>.`;
    /// `bjobs -a -o "... delimiter='|'"` lists jobs, finished ones too for `CLEAN_PERIOD`
    /// (one hour by default). Memory is given in MB (`-M {memory_mb}MB`), wall time in minutes.
    public static let lsf = CommandTemplate(
        submit: [["bsub"], ["-J", "{name}"], ["-cwd", "{workdir}"], ["-oo", "{stdout}"], ["-eo", "{stderr}"],
                 ["-n", "{cores}"], ["-M", "{memory_mb}MB"], ["-W", "{walltime_minutes}"]],
        scriptOnStandardInput: true,
        submittedIDPattern: #"Job <(\d+)> is submitted"#,
        status: .init(command: [["bjobs", "-a", "-noheader", "-o", "jobid stat exit_code job_name delimiter='|'"], ["{ids}"]],
                      idPattern: #"^(\d+)\|"#,
                      statePattern: #"^\d+\|([A-Z]+)\|"#,
                      namePattern: #"^\d+\|[A-Z]+\|[^|]*\|(.*)$"#,
                      exitCodePattern: #"^\d+\|[A-Z]+\|(\d+)\|"#,
                      noJobPatterns: ["is not found", "No matching job found"]),
        find: .init(command: [["bjobs", "-a", "-noheader", "-o", "jobid stat exit_code job_name delimiter='|'", "-J", "{prefix}*"]],
                    idPattern: #"^(\d+)\|"#,
                    statePattern: #"^\d+\|([A-Z]+)\|"#,
                    namePattern: #"^\d+\|[A-Z]+\|[^|]*\|(.*)$"#,
                    exitCodePattern: #"^\d+\|[A-Z]+\|(\d+)\|"#,
                    noJobPatterns: ["is not found", "No matching job found", "No unfinished job found"]),
        cancel: [["bkill"], ["{ids}"]],
        cancelNoJobPatterns: ["already finished", "is not found"],
        stateMap: [
            "PEND": .queued, "WAIT": .queued, "PROV": .queued, "RUN": .running,
            "PSUSP": .held, "USUSP": .suspended, "SSUSP": .suspended,
            "DONE": .completed, "EXIT": .failed, "ZOMBI": .failed, "UNKWN": .other,
        ])
}
