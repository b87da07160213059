/// The `/bin/sh` wrapper that runs one local job detached from the worker and records how it
/// ended in the job's folder.
///
/// It runs in its own session (started through `setsid`), so it and the job survive the worker
/// dying, and `kill -- -pid` reaches the whole job. It traps TERM, INT and HUP so that a
/// cancelled job's wrapper still writes the exit code (the job itself gets the default action).
enum LocalWrapperScript {
    static func text(for request: BackendJobRequest) -> String {
        let out = ShellQuoting.quote(request.standardOutputPath)
        let err = ShellQuoting.quote(request.standardErrorPath)
        let workdir = ShellQuoting.quote(request.workingDirectory)
        var run = "\"$dir/script.sh\""
        var timeoutCheck = ""
        if let wall = request.resources.wallTimeSeconds {
            run = "timeout --kill-after=10s \(wall)s \(run)"
            timeoutCheck = """
            if [ "$code" -eq 124 ] || [ "$code" -eq 137 ]; then
              [ $(( $(date +%s) - start )) -ge \(wall) ] && : > "$dir/timed_out"
            fi

            """
        }
        return """
        #!/bin/sh
        # Runs one local job and records how it ended. Argument: the job's folder.
        dir="$1"
        echo $$ > "$dir/pid.tmp" && mv -f "$dir/pid.tmp" "$dir/pid"
        start=$(date +%s)
        echo "$start" > "$dir/started"
        trap 'signalled=1' TERM INT HUP
        if [ -e "$dir/cancelled" ]; then
          code=143
        elif cd \(workdir) 2>>\(err); then
          \(run) </dev/null >\(out) 2>\(err)
          code=$?
        else
          code=1
        fi
        \(timeoutCheck)times > "$dir/cpu_times.tmp" && mv -f "$dir/cpu_times.tmp" "$dir/cpu_times"
        date +%s > "$dir/ended"
        echo "$code" > "$dir/exit_code.tmp" && mv -f "$dir/exit_code.tmp" "$dir/exit_code"

        """
    }
}
