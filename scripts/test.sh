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
need python3 "python3 runs the conformance tests (boto3, moto and the AWS CLI are installed when missing)"
# boto3, moto's server, the AWS CLI and cfn-lint: the machine's, or a
# virtual environment made once from scripts/requirements-test.txt.
pybin="$(scripts/python-env.sh)"
if [ -n "$pybin" ]; then
	export PATH="$pybin:$PATH"
fi

need node "Node 20 or newer runs the Step Functions harness (sfn/harness)"
need npm "npm installs the Step Functions harness's pinned packages"
need cfn-lint "cfn-lint checks deploy/template.yaml"
need aws "the AWS CLI deploys deploy/template.yaml into moto"

# The Step Functions harness's packages (asl-validator,
# aws-local-stepfunctions), pinned by its package-lock.json, into its
# git-ignored node_modules; again whenever the lockfile changes.
harness=sfn/harness
if [ ! -f "$harness/node_modules/.package-lock.json" ] || [ "$harness/package-lock.json" -nt "$harness/node_modules/.package-lock.json" ]; then
	echo "== npm ci ($harness)"
	npm ci --prefix "$harness" --no-audit --no-fund
fi

# The conformance and emulator tests must run, not skip, here.
export DRORCH_REQUIRE_PYTHON=1

# The browser tests (the HTML report in package report, drorch serve's web
# UI driven end to end in package httpapi) run in Debian's Chromium, driven
# by playwright-core from report/browsertest; the report's JUnit test
# validates with xmllint-wasm.
# Install what is missing, then make those tests fail, not skip, without it.
if [ ! -x /usr/bin/chromium ]; then
	echo "== installing chromium (Debian) for the browser tests"
	need apt-get "Debian's apt-get installs chromium for the browser test"
	sudo_cmd=""
	if [ "$(id -u)" -ne 0 ]; then sudo_cmd="sudo"; fi
	$sudo_cmd apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium >/dev/null
fi
need node "Node.js 20 runs the report's browser test"
need npm "npm installs the report's browser test packages"
if ! (cd report/browsertest && npm ls --omit=dev >/dev/null 2>&1); then
	echo "== npm ci in report/browsertest"
	(cd report/browsertest && npm ci --no-audit --no-fund --loglevel=error)
fi
export DRORCH_REQUIRE_BROWSER=1

echo "== go vet"
go vet ./...
echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go') 2>/dev/null || true)
if [ -n "$unformatted" ]; then
	echo "gofmt would change:" >&2
	echo "$unformatted" >&2
	exit 1
fi
# Static analysis: staticcheck, and deadcode (code no test or binary
# reaches). Installed with go install, pinned, when missing.
tool() {
	local bin
	bin="$(go env GOPATH)/bin/$1"
	if [ ! -x "$bin" ]; then
		echo "== installing $2" >&2
		go install "$2" >&2
	fi
	echo "$bin"
}
echo "== staticcheck"
"$(tool staticcheck honnef.co/go/tools/cmd/staticcheck@v0.8.2)" ./...
echo "== deadcode"
dead=$("$(tool deadcode golang.org/x/tools/cmd/deadcode@v0.52.0)" -test ./...)
if [ -n "$dead" ]; then
	echo "deadcode found code nothing reaches:" >&2
	echo "$dead" >&2
	exit 1
fi
echo "== make lambda (warms the build cache of the reproducible-zip test)"
./scripts/lambda.sh build/lambda
echo "== go test -race"
go test -race -count=1 -timeout 12m ./...
echo "== all tests passed"
