#!/usr/bin/env bash
# Makes sure the tests have a python3 with boto3, moto's server, the AWS CLI
# and cfn-lint, and prints the directory to put first in PATH for them (an
# empty line when the machine's own serve).
#
#   scripts/python-env.sh [PYTHON]     (default: $DRORCH_PYTHON, else python3)
#
# When PYTHON lacks any of them, a virtual environment is made at
# $DRORCH_VENV (default .venv-test, git-ignored) from the pinned
# scripts/requirements-test.txt, once: it is made again only when the
# requirements file changes. Progress goes to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
python="${1:-${DRORCH_PYTHON:-python3}}"
venv="${DRORCH_VENV:-.venv-test}"
reqs=scripts/requirements-test.txt

# has PY BINDIR: PY imports what the tests import, and BINDIR, then PATH,
# has the commands they run.
has() {
	"$1" -c 'import boto3, botocore, moto, moto.server, flask, flask_cors, awscli, cfnlint' >/dev/null 2>&1 || return 1
	local cmd
	for cmd in aws cfn-lint; do
		PATH="$2:$PATH" command -v "$cmd" >/dev/null 2>&1 || return 1
	done
}

if command -v "$python" >/dev/null 2>&1 && has "$python" ""; then
	echo ""
	exit 0
fi
if [ -x "$venv/bin/python" ] && [ "$venv/.requirements" -nt "$reqs" ] && has "$venv/bin/python" "$venv/bin"; then
	echo "$(cd "$venv" && pwd)/bin"
	exit 0
fi
command -v "$python" >/dev/null 2>&1 || { echo "test: $python not found: install python3 (3.9 or newer)" >&2; exit 2; }
echo "== $python lacks boto3, moto, the AWS CLI or cfn-lint: installing $reqs into $venv" >&2
rm -rf "$venv"
# The system's site-packages stay visible: what the machine has already
# (at the pinned versions) is not downloaded again.
"$python" -m venv --system-site-packages "$venv" >&2
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$reqs" >&2 ||
	{ echo "test: could not install $reqs into $venv (pip needs the Python package index)" >&2; exit 2; }
if ! has "$venv/bin/python" "$venv/bin"; then
	echo "test: $venv still lacks what $reqs names" >&2
	exit 2
fi
touch "$venv/.requirements"
echo "$(cd "$venv" && pwd)/bin"
