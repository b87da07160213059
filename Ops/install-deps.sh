#!/usr/bin/env bash
# Installs the Debian packages gasp needs to build, test and run. Safe to run again: it installs
# only what is missing and asks apt for its package lists only when something is.
set -euo pipefail

packages=(
  duktape-dev          # JavaScript engine for design-document views (ViewEngine)
  libsqlite3-dev       # storage of the embedded CouchDB-compatible store
  libcurl4-openssl-dev # FoundationNetworking, needed by static single-binary builds
  python3              # runs the recorded CouchDB conformance cases in the test suite
  slurm-wlm            # a real single-node Slurm (slurmctld, slurmd, sbatch...) for the Backends tests
  munge                # Slurm's authentication daemon, started by Ops/slurm/start-test-slurm.sh
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v swift >/dev/null 2>&1; then
  echo "install-deps: no 'swift' on PATH; gasp needs Swift 6.1 or newer" >&2
  exit 1
fi
