#!/usr/bin/env bash
# Builds the Step Functions function (cmd/drorch-lambda) for Lambda's
# provided.al2023 runtime on arm64 and x86_64, into reproducible zips:
#   OUT/drorch-lambda-arm64.zip  OUT/drorch-lambda-x86_64.zip
# Static (CGO off), -trimpath, no VCS stamp, no build id: the same source
# and Go version give the same bytes. Usage: scripts/lambda.sh [OUT]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-build/lambda}
mkdir -p "$out"
for arch in arm64:arm64 amd64:x86_64; do
	goarch=${arch%%:*}
	name=${arch##*:}
	dir=$(mktemp -d)
	CGO_ENABLED=0 GOOS=linux GOARCH=$goarch go build -trimpath -buildvcs=false -tags lambda.norpc \
		-ldflags "-s -w -buildid=" -o "$dir/bootstrap" ./cmd/drorch-lambda
	go run ./scripts/lambdazip "$dir/bootstrap" "$out/drorch-lambda-$name.zip"
	rm -rf "$dir"
	echo "$out/drorch-lambda-$name.zip"
done
