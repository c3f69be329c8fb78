# drorch: `make test` runs every test; `make demo` runs the demo.
.PHONY: test demo build

test:
	./scripts/test.sh

demo:
	go run ./cmd/drorch demo

build:
	go build -o bin/drorch ./cmd/drorch
