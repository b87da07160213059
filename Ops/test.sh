#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds once, runs every test.
# Set GASP_TEST_COUCHDB_URL (e.g. http://admin:admin@127.0.0.1:5984) to run the store tests
# against an Apache CouchDB as well as the embedded store.
set -euo pipefail
cd "$(dirname "$0")/.."
Ops/install-deps.sh
export SWIFT_DETERMINISTIC_HASHING=1
swift build --build-tests
swift test --skip-build "$@"
