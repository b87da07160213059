#!/usr/bin/env bash
# The store, lease, worker and fleet suites against a real Apache CouchDB 3.4.3, single node,
# started from the CouchDB release beside the checkout (../shared/couchdb, or $GASP_COUCHDB_DIST)
# on a port of its own and stopped afterwards. Skipped, with the reason, where there is none.
# Run after Ops/test.sh (it reuses that build).
set -euo pipefail
cd "$(dirname "$0")/.."
dist="${GASP_COUCHDB_DIST:-../shared/couchdb}"
if [ ! -x "$dist/start.sh" ]; then
  echo "test-couchdb: no CouchDB release at $dist (start.sh): the CouchDB-backed suites are skipped"
  exit 0
fi
# A port that is free, with its port-mapper port (P+10000) free too.
in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port="${GASP_TEST_COUCHDB_PORT:-}"
if [ -z "$port" ]; then
  for candidate in 25984 26984 27984 28984 29984; do
    if ! in_use "$candidate" && ! in_use $((candidate + 10000)); then port=$candidate; break; fi
  done
  [ -n "$port" ] || { echo "test-couchdb: no free port for CouchDB among 25984-29984" >&2; exit 1; }
fi
dir="$(mktemp -d "${TMPDIR:-/tmp}/gasp-ci-couchdb-XXXXXX")"
stop() { "$dist/stop.sh" --port "$port" --dir "$dir" --wipe >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap stop EXIT
"$dist/start.sh" --port "$port" --dir "$dir"
export GASP_TEST_COUCHDB_URL="http://admin:admin@127.0.0.1:$port"
export SWIFT_DETERMINISTIC_HASHING=1
swift build --build-tests
suites="CouchDBTests|LeaseTests|ViewsTests|BootstrapTests|EnqueueTests|WorkerTests"
echo "test-couchdb: $suites on CouchDB 3.4.3 (single node) at 127.0.0.1:$port"
swift test --skip-build --filter "$suites" --skip LeaseElectorTests
swift test --skip-build --filter LeaseElectorTests
swift test --skip-build --filter FleetTests
