#!/usr/bin/env bash
# Stops the daemons Ops/slurm/start-test-slurm.sh started in DIR (slurmd, slurmctld, munged),
# each by the pid it wrote, and waits until they are gone. Leaves DIR (logs) in place.
#
#   Ops/slurm/stop-test-slurm.sh [DIR]       # DIR defaults to $GASP_TEST_SLURM_DIR or /tmp/gasp-test-slurm
set -uo pipefail

dir="${1:-${GASP_TEST_SLURM_DIR:-/tmp/gasp-test-slurm}}"

stop() {
  local pidfile="$1" pid
  [ -s "$pidfile" ] || return 0
  pid="$(cat "$pidfile")"
  kill -TERM "$pid" 2>/dev/null || { rm -f "$pidfile"; return 0; }
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$pidfile"; return 0; }
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$pidfile"
}

stop "$dir/slurmd.pid"
stop "$dir/slurmctld.pid"
stop "$dir/munge/munged.pid"
echo "stop-test-slurm: stopped the daemons in $dir"
