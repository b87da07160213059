#!/usr/bin/env python3
"""Stand-ins for HTCondor, PBS, Grid Engine and LSF commands, for the Backends tests.

Called as `fakebatch.py <command> args...` (the tests put small wrappers named condor_q, qsub,
bjobs... first on PATH). Jobs live in the JSON file $FAKEBATCH_STATE. Each command prints what
the real one prints, in the formats the backends ask for. With FAKEBATCH_RUN=1 a submitted job
runs at once, synchronously, and is recorded finished with its exit code; otherwise it stays
queued until a test edits the state file.
"""
import fcntl, json, os, re, subprocess, sys

STATE = os.environ["FAKEBATCH_STATE"]


def load():
    if not os.path.exists(STATE):
        return {"next": 100, "jobs": {}}
    with open(STATE) as f:
        return json.load(f)


def save(state):
    tmp = STATE + ".tmp"
    with open(tmp, "w") as f:
        json.dump(state, f, indent=1, sort_keys=True)
    os.replace(tmp, STATE)


def run_script(script, cwd, out, err, stdin_text=None):
    with open(out, "w") as o, open(err, "w") as e:
        if stdin_text is not None:
            p = subprocess.run(["/bin/sh"], input=stdin_text.encode(), cwd=cwd, stdout=o, stderr=e)
        else:
            p = subprocess.run([script], cwd=cwd, stdout=o, stderr=e)
    return p.returncode


def opts(args, with_value):
    """Splits `-X value` options (those in with_value) from the rest."""
    found, rest, i = {}, [], 0
    while i < len(args):
        a = args[i]
        if a in with_value and i + 1 < len(args):
            found.setdefault(a, []).append(args[i + 1])
            i += 2
        else:
            rest.append(a)
            i += 1
    return found, rest


# HTCondor -----------------------------------------------------------------------------------

def condor_submit(state, args):
    assert "-terse" in args, "the backend always asks for -terse"
    desc = {}
    for line in sys.stdin.read().splitlines():
        line = line.strip()
        if not line or line.startswith("#") or line.startswith("queue"):
            continue
        key, _, value = line.partition("=")
        key, value = key.strip(), value.strip()
        if key.startswith("+"):
            desc[key[1:]] = json.loads(value) if value.startswith('"') else value
        else:
            desc[key.lower()] = value
    cluster = state["next"]
    state["next"] += 1
    ad = {"ClusterId": cluster, "ProcId": 0, "JobStatus": 1, "Cmd": desc["executable"],
          "Iwd": desc.get("initialdir", os.getcwd()), "Out": desc.get("output", "/dev/null"),
          "Err": desc.get("error", "/dev/null"), "JobBatchName": desc.get("batch_name", ""),
          "Owner": "root"}
    for key, value in desc.items():
        if key[0].isupper():
            ad[key] = value
    if "request_cpus" in desc:
        ad["RequestCpus"] = int(desc["request_cpus"])
    if "request_memory" in desc:
        ad["RequestMemory"] = int(desc["request_memory"])
    if "allowed_execute_duration" in desc:
        ad["AllowedExecuteDuration"] = int(desc["allowed_execute_duration"])
    if os.environ.get("FAKEBATCH_RUN") == "1":
        code = run_script(ad["Cmd"], ad["Iwd"], ad["Out"], ad["Err"])
        ad.update({"JobStatus": 4, "ExitCode": code, "ExitBySignal": False,
                   "RemoteUserCpu": 0.0, "RemoteSysCpu": 0.0})
    state["jobs"]["%d.0" % cluster] = {"system": "condor", "ad": ad}
    print("%d.0 - %d.0" % (cluster, cluster))


def condor_select(state, args, finished):
    found, rest = opts(args, {"-attributes", "-constraint", "-limit"})
    assert "-json" in rest
    ids = [a for a in rest if re.fullmatch(r"\d+(\.\d+)?", a)]
    ads = []
    for job in state["jobs"].values():
        if job["system"] != "condor":
            continue
        ad = job["ad"]
        if (ad["JobStatus"] in (3, 4)) != finished:
            continue
        if ids and not any(i == "%d.%d" % (ad["ClusterId"], ad["ProcId"]) or i == str(ad["ClusterId"]) for i in ids):
            continue
        for c in found.get("-constraint", []):
            pairs = re.findall(r'\(ClusterId == (\d+) && ProcId == (\d+)\)', c)
            if pairs:
                if (str(ad["ClusterId"]), str(ad["ProcId"])) not in pairs:
                    break
                continue
            m = re.fullmatch(r'JobBatchName =\?= "(.*)"', c)
            if m and ad.get("JobBatchName") != m.group(1):
                break
            m = re.fullmatch(r'substr\(JobBatchName, 0, (\d+)\) =\?= "(.*)"', c)
            if m and ad.get("JobBatchName", "")[: int(m.group(1))] != m.group(2):
                break
            if not m and not re.fullmatch(r'JobBatchName =\?= "(.*)"', c):
                sys.exit("fakebatch: unsupported constraint " + c)
        else:
            ads.append(ad)
    attributes = found.get("-attributes", [None])[0]
    if attributes:
        wanted = attributes.split(",")
        ads = [{k: v for k, v in ad.items() if k in wanted} for ad in ads]
    if not ads:
        return  # HTCondor prints nothing at all when no job matches
    # HTCondor's layout: "[", each ad as an object with attributes sorted, separated by "\n,\n", "]".
    print("[")
    print("\n,\n".join(json.dumps(dict(sorted(ad.items())), indent=2) for ad in ads))
    print("]")


def condor_rm(state, args):
    status = 0
    for i in args:
        job = state["jobs"].get(i)
        if not job or job["ad"]["JobStatus"] in (3, 4):
            print("Couldn't find/remove all jobs matching constraint (ClusterId==%s)" % i.split(".")[0], file=sys.stderr)
            status = 1
            continue
        job["ad"]["JobStatus"] = 3
        job["ad"]["RemoveReason"] = "via condor_rm (by user root)"
        print("Job %s marked for removal" % i)
    return status


# PBS ----------------------------------------------------------------------------------------

def qsub_pbs(state, args):
    found, rest = opts(args, {"-N", "-o", "-e", "-l"})
    script = rest[-1]
    n = state["next"]
    state["next"] += 1
    jid = "%d.fakepbs" % n
    job = {"system": "pbs", "id": jid, "name": found["-N"][0], "state": "Q", "script": script,
           "out": found["-o"][0], "err": found["-e"][0], "resources": found.get("-l", [])}
    if os.environ.get("FAKEBATCH_RUN") == "1":
        job["exit"] = run_script(script, os.path.dirname(script), job["out"], job["err"])
        job["state"] = "F"
    state["jobs"][jid] = job
    print(jid)


def qstat_pbs(state, args):
    assert args[:4] == ["-x", "-f", "-F", "dsv"], args
    ids = args[4:]
    status = 0
    jobs = [j for j in state["jobs"].values() if j["system"] == "pbs"]
    for i in ids:
        if i not in state["jobs"]:
            print("qstat: Unknown Job Id %s" % i, file=sys.stderr)
            status = 153
    for j in jobs:
        if ids and j["id"] not in ids:
            continue
        fields = ["Job_Id=" + j["id"], "Job_Name=" + j["name"], "Job_Owner=root@fakepbs",
                  "job_state=" + j["state"], "queue=workq", "server=fakepbs"]
        if "exit" in j:
            fields.append("Exit_status=%d" % j["exit"])
        print("|".join(fields))
    return status


def qdel_pbs(state, args):
    for i in args:
        j = state["jobs"].get(i)
        if not j:
            print("qdel: Unknown Job Id %s" % i, file=sys.stderr)
            return 153
        j["state"], j["exit"] = "F", 271
    return 0


# Grid Engine --------------------------------------------------------------------------------

def qsub_sge(state, args):
    found, rest = opts(args, {"-S", "-N", "-wd", "-o", "-e", "-l", "-pe"})
    script = rest[-1]
    n = state["next"]
    state["next"] += 1
    name = found["-N"][0]
    job = {"system": "sge", "id": str(n), "name": name, "state": "qw", "script": script}
    if os.environ.get("FAKEBATCH_RUN") == "1":
        run_script(script, found["-wd"][0], found["-o"][0], found["-e"][0])
        job["state"] = "finished"  # gone from qstat, as in Grid Engine
    state["jobs"][str(n)] = job
    print('Your job %d ("%s") has been submitted' % (n, name))


def qstat_sge(state, args):
    jobs = [j for j in state["jobs"].values() if j["system"] == "sge" and j["state"] != "finished"]
    if args[:1] == ["-j"]:
        pattern = args[1]
        matches = [j for j in jobs if (j["name"].startswith(pattern[:-1]) if pattern.endswith("*") else j["name"] == pattern)]
        if not matches:
            print("Following jobs do not exist or permissions are not sufficient: \n%s" % pattern, file=sys.stderr)
            return 1
        for j in matches:
            print("=" * 62)
            print("job_number:                 %s" % j["id"])
            print("exec_file:                  job_scripts/%s" % j["id"])
            print("owner:                      root")
            print("job_name:                   %s" % j["name"])
        return 0
    if not jobs:
        return 0
    print("job-ID  prior   name       user         state submit/start at     queue                          slots ja-task-ID ")
    print("-" * 111)
    for j in jobs:
        print("%7s 0.55500 %-10s root         %-5s 12/01/2026 10:00:00 all.q@fakesge                      1        "
              % (j["id"], j["name"][:10], j["state"]))
    return 0


def qdel_sge(state, args):
    for i in args:
        j = state["jobs"].get(i)
        if not j or j["state"] == "finished":
            print('denied: job "%s" does not exist' % i, file=sys.stderr)
            return 1
        j["state"] = "finished"
        print("root has deleted job %s" % i)
    return 0


# LSF ----------------------------------------------------------------------------------------

def bsub(state, args):
    found, rest = opts(args, {"-J", "-cwd", "-oo", "-eo", "-n", "-M", "-W"})
    script = sys.stdin.read()
    n = state["next"]
    state["next"] += 1
    job = {"system": "lsf", "id": str(n), "name": found["-J"][0], "state": "PEND"}
    if os.environ.get("FAKEBATCH_RUN") == "1":
        code = run_script(None, found["-cwd"][0], found["-oo"][0], found["-eo"][0], stdin_text=script)
        job["state"], job["exit"] = ("DONE", None) if code == 0 else ("EXIT", code)
    state["jobs"][str(n)] = job
    print("Job <%d> is submitted to queue <normal>." % n)


def bjobs(state, args):
    found, rest = opts(args, {"-o", "-J"})
    assert "-noheader" in rest and "-a" in rest
    assert found["-o"] == ["jobid stat exit_code job_name delimiter='|'"], found
    ids = [a for a in rest if a.isdigit()]
    status = 0
    for i in ids:
        if i not in state["jobs"]:
            print("Job <%s> is not found" % i, file=sys.stderr)
            status = 255
    printed = 0
    for j in state["jobs"].values():
        if j["system"] != "lsf" or (ids and j["id"] not in ids):
            continue
        pattern = found.get("-J", [None])[0]
        if pattern and not (j["name"].startswith(pattern[:-1]) if pattern.endswith("*") else j["name"] == pattern):
            continue
        code = j.get("exit")
        print("%s|%s|%s|%s" % (j["id"], j["state"], "-" if code is None else code, j["name"]))
        printed += 1
    if not printed and not ids:
        print("No matching job found", file=sys.stderr)
        return 255
    return status


def bkill(state, args):
    for i in args:
        j = state["jobs"].get(i)
        if not j:
            print("Job <%s>: No matching job found" % i, file=sys.stderr)
            return 255
        if j["state"] in ("DONE", "EXIT"):
            print("Job <%s>: Job has already finished" % i, file=sys.stderr)
            return 255
        j["state"], j["exit"] = "EXIT", 130
        print("Job <%s> is being terminated" % i)
    return 0


COMMANDS = {
    "condor_submit": condor_submit,
    "condor_q": lambda s, a: condor_select(s, a, finished=False),
    "condor_history": lambda s, a: condor_select(s, a, finished=True),
    "condor_rm": condor_rm,
    "pbs-qsub": qsub_pbs, "pbs-qstat": qstat_pbs, "pbs-qdel": qdel_pbs,
    "sge-qsub": qsub_sge, "sge-qstat": qstat_sge, "sge-qdel": qdel_sge,
    "bsub": bsub, "bjobs": bjobs, "bkill": bkill,
}


def main():
    command, args = sys.argv[1], sys.argv[2:]
    with open(STATE + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        log = os.environ.get("FAKEBATCH_LOG")
        if log:
            with open(log, "a") as f:
                f.write(json.dumps([command] + args) + "\n")
        state = load()
        status = COMMANDS[command](state, args) or 0
        save(state)
    sys.exit(status)


if __name__ == "__main__":
    main()
