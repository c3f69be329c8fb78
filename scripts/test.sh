#!/usr/bin/env bash
# Runs every test of drorch: what a newcomer runs, and what CI runs.
# It installs nothing that the machine lacks unless the tests need it, and
# says what it is doing.
set -euo pipefail
cd "$(dirname "$0")/.."

need() {
	command -v "$1" >/dev/null 2>&1 || { echo "test: $1 is required: $2" >&2; exit 2; }
}
need go "install Go 1.26 or newer"
need python3 "python3 with boto3, moto and the AWS CLI runs the conformance tests"

# The conformance and emulator tests must run, not skip, here.
export DRORCH_REQUIRE_PYTHON=1

echo "== go vet"
go vet ./...
echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go') 2>/dev/null || true)
if [ -n "$unformatted" ]; then
	echo "gofmt would change:" >&2
	echo "$unformatted" >&2
	exit 1
fi
echo "== go test -race"
go test -race -count=1 -timeout 12m ./...
echo "== all tests passed"
