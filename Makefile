# drorch: `make test` runs every test; `make demo` runs the demo.
.PHONY: test demo build lambda

test:
	./scripts/test.sh

demo:
	go run ./cmd/drorch demo

# The version drorch reports (drorch --version, and in the journal of
# every run): the git description, else what Go's build information says.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null)

build:
	go build -ldflags "-X main.version=$(VERSION)" -o bin/drorch ./cmd/drorch

# The Step Functions function, for Lambda's provided.al2023 on arm64 and
# x86_64, as reproducible zips in build/lambda (deploy/README.md).
lambda:
	./scripts/lambda.sh build/lambda
