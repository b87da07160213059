#!/usr/bin/env bash
# Starts a private single-node Slurm (munged, slurmctld, slurmd) for the Backends tests, as root,
# with every file under one directory, and waits until `sinfo` shows the node idle.
#
#   Ops/slurm/start-test-slurm.sh [DIR]      # DIR defaults to $GASP_TEST_SLURM_DIR or /tmp/gasp-test-slurm
#   export SLURM_CONF=DIR/slurm.conf         # then sbatch/squeue/sacct/scancel talk to it
#   Ops/slurm/stop-test-slurm.sh [DIR]
#
# Nothing outside DIR is written: the daemons get their own munge socket, ports, spool and state
# directories, so a site's real Slurm (if any) is untouched. Safe to run again: if the daemons in
# DIR are already answering, it only waits for the node.
#
# Accounting: there is no slurmdbd here (it needs MySQL/MariaDB), so AccountingStorageType is
# accounting_storage/none and `sacct` answers "Slurm accounting storage is disabled". Finished
# jobs stay visible to squeue and `scontrol show job` for MinJobAge seconds, which the backend
# uses when sacct is unavailable.
set -euo pipefail

dir="${1:-${GASP_TEST_SLURM_DIR:-/tmp/gasp-test-slurm}}"

# The daemons outlive this script: they must not hold the caller's descriptors (a test
# runner reading this script's output would otherwise wait for them to exit).
for fd in $(ls /proc/$$/fd); do
  [ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null || true
done
exec </dev/null

ctld_port="${GASP_TEST_SLURM_CTLD_PORT:-16817}"
slurmd_port="${GASP_TEST_SLURM_SLURMD_PORT:-16818}"
min_job_age="${GASP_TEST_SLURM_MIN_JOB_AGE:-3600}"

for tool in munged slurmctld slurmd sinfo; do
  command -v "$tool" >/dev/null 2>&1 || PATH="$PATH:/usr/sbin:/sbin"
  command -v "$tool" >/dev/null 2>&1 || { echo "start-test-slurm: $tool is not installed (Debian: slurm-wlm munge)" >&2; exit 2; }
done
if [ "$(id -u)" -ne 0 ]; then
  echo "start-test-slurm: must run as root (slurmd starts jobs as their owner)" >&2
  exit 2
fi

mkdir -p "$dir"/{state,spool,log,munge}
chmod 700 "$dir/munge"
export SLURM_CONF="$dir/slurm.conf"

host="$(hostname -s)"
cpus="$(nproc)"
# Leave the node's memory to the tests' jobs but below what slurmd measures, or it drains the node.
memory_mb=$(( $(awk '/^MemTotal:/ {print $2}' /proc/meminfo) / 1024 * 9 / 10 ))

if [ ! -s "$dir/munge/munge.key" ]; then
  dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
fi
chmod 400 "$dir/munge/munge.key"

cat > "$SLURM_CONF" <<CONF
# Written by Ops/slurm/start-test-slurm.sh for the Backends tests; replaced on every start.
ClusterName=gasptest
SlurmctldHost=$host
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
SwitchType=switch/none
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=5
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
# Finished jobs stay in slurmctld (squeue -t all, scontrol show job) this many seconds.
MinJobAge=$min_job_age
ReturnToService=2
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=2
# Quick time-limit enforcement for the time-limit test (Slurm checks limits every 30 s by default).
OverTimeLimit=0
KillWait=5
InactiveLimit=0
Waittime=0
MessageTimeout=10
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=$host CPUs=$cpus RealMemory=$memory_mb State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF

pid_alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

if ! pid_alive "$dir/munge/munged.pid"; then
  munged --force \
    --socket="$dir/munge/munge.socket" \
    --key-file="$dir/munge/munge.key" \
    --pid-file="$dir/munge/munged.pid" \
    --log-file="$dir/log/munged.log" \
    --seed-file="$dir/munge/munged.seed"
fi
if ! pid_alive "$dir/slurmctld.pid"; then
  # -c: start from a clean state, forgetting jobs from an earlier run of this directory.
  slurmctld -c -f "$SLURM_CONF"
fi
if ! pid_alive "$dir/slurmd.pid"; then
  slurmd -f "$SLURM_CONF"
fi

deadline=$(( $(date +%s) + ${GASP_TEST_SLURM_START_TIMEOUT:-60} ))
until state="$(sinfo -h -n "$host" -o '%T' 2>/dev/null)" && [ "$state" = "idle" ]; do
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "start-test-slurm: node $host did not become idle (state: ${state:-no answer}); logs in $dir/log" >&2
    tail -n 20 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" >&2 || true
    exit 1
  fi
  # A node that came up DOWN after an unclean stop is returned to service.
  case "${state:-}" in down*|drain*) scontrol update NodeName="$host" State=RESUME >/dev/null 2>&1 || true ;; esac
  sleep 0.5
done
echo "start-test-slurm: node $host idle; SLURM_CONF=$SLURM_CONF"
