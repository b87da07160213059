#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds once, runs every test.
# Set GASP_TEST_COUCHDB_URL (e.g. http://admin:admin@127.0.0.1:5984) to run the store tests
# against an Apache CouchDB as well as the embedded store.
set -euo pipefail
cd "$(dirname "$0")/.."
Ops/install-deps.sh
export SWIFT_DETERMINISTIC_HASHING=1
swift build --build-tests
if [ $# -gt 0 ]; then
  exec swift test --skip-build "$@"
fi
# The tests that time leases run on their own after everything else, so that no other suite's
# CPU work delays their timers on a small machine: the in-process lease electors (1-4 s leases
# on the concurrency pool's few threads), then the fleet of worker processes.
swift test --skip-build --skip FleetTests --skip LeaseElectorTests
swift test --skip-build --filter LeaseElectorTests
swift test --skip-build --filter FleetTests
