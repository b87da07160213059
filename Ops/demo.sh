#!/usr/bin/env bash
# Runs the gasp demo on the embedded store: installs what is missing, builds, runs `gasp demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
Ops/install-deps.sh
export SWIFT_DETERMINISTIC_HASHING=1
swift build   # gasp, and gasp-worker, which `gasp worker` runs as
exec .build/debug/gasp demo "$@"
