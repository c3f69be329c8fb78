// Package sfntest runs drorch's generated state machines for tests: it
// checks definitions with the npm package asl-validator and executes them
// with aws-local-stepfunctions (the Node harness in ../harness), every Task
// answered by a Go handler over HTTP. It is the local stand-in for Step
// Functions; what it cannot reproduce is listed in ../harness/harness.mjs.
// Bucket stands in for the run bucket.
package sfntest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"drorch/sfn"
)

// RequireEnv turns a missing Node or harness into a failure (CI sets it).
const RequireEnv = "DRORCH_REQUIRE_PYTHON"

// Dir is the harness's directory, where `npm ci` installs its packages.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "harness")
}

// Require returns the node binary when Node and the harness's packages are
// installed; otherwise the test fails under DRORCH_REQUIRE_PYTHON=1 and is
// skipped without it.
func Require(t testing.TB) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(Dir(), "node_modules", "aws-local-stepfunctions", "package.json"))
	}
	if err != nil {
		msg := "the Step Functions harness needs node and `npm ci --prefix sfn/harness` (scripts/test.sh runs it): " + err.Error()
		if os.Getenv(RequireEnv) == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return node
}

// Validate checks definition with asl-validator and returns its errors
// ("" when valid).
func Validate(t testing.TB, definition []byte) string {
	t.Helper()
	node := Require(t)
	f := filepath.Join(t.TempDir(), "definition.json")
	if err := os.WriteFile(f, definition, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(node, filepath.Join(Dir(), "validate.mjs"), f).Output()
	var line struct {
		Valid  bool
		Errors string
	}
	if jerr := json.Unmarshal(out, &line); jerr != nil {
		t.Fatalf("asl-validator: %v (%v)\n%s", jerr, err, out)
	}
	if line.Valid != (err == nil) {
		t.Fatalf("asl-validator said valid=%v but exited with %v", line.Valid, err)
	}
	return line.Errors
}

// Result is how an execution ended.
type Result struct {
	Status string          // SUCCEEDED or FAILED
	Output json.RawMessage // of a succeeded execution
	Error  string          // of a failed one
	Cause  string
}

// Run executes definition with input as the execution named "harness";
// every Task invokes h at the endpoint the harness is given.
func Run(t testing.TB, definition, input []byte, h http.Handler) Result {
	t.Helper()
	return RunExecution(t, definition, input, "harness", h)
}

// RunExecution is Run for the execution named name
// (arn:aws:states:us-west-2:123456789012:execution:drorch-local:NAME), so
// that executions run at the same time are told apart.
func RunExecution(t testing.TB, definition, input []byte, name string, h http.Handler) Result {
	t.Helper()
	node := Require(t)
	srv := httptest.NewServer(h)
	defer srv.Close()
	dir := t.TempDir()
	def, in := filepath.Join(dir, "definition.json"), filepath.Join(dir, "input.json")
	if err := os.WriteFile(def, definition, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(in, input, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, filepath.Join(Dir(), "harness.mjs"), def, in, srv.URL, name)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("harness: %v\n%s", err, stderr.String())
	}
	var r Result
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("harness output: %v\n%s\n%s", err, out, stderr.String())
	}
	return r
}

// Function is the Lambda function as the harness calls it: an operation's
// JSON in, its JSON out or an error.
type Function func(ctx context.Context, payload []byte) ([]byte, error)

// ErrThrottled is an error a Function returns to answer as Lambda does when
// the function's concurrency is taken: the Task fails with
// Lambda.TooManyRequestsException.
var ErrThrottled = errors.New("throttled")

// Handler serves the harness's endpoint: POST /invoke calls fn (an
// *sfn.Error becomes a function error named after it, any other error
// Lambda.Unknown), GET /s3/BUCKET/KEY reads objects from get.
func Handler(fn Function, get func(bucket, key string) ([]byte, error)) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /invoke", func(w http.ResponseWriter, r *http.Request) {
		var body bytes.Buffer
		if _, err := body.ReadFrom(r.Body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		out, err := fn(r.Context(), body.Bytes())
		if errors.Is(err, ErrThrottled) {
			http.Error(w, "Rate Exceeded.", http.StatusTooManyRequests)
			return
		}
		if err != nil {
			name := "Lambda.Unknown"
			var se *sfn.Error
			if errors.As(err, &se) {
				name = se.Name
			}
			w.Header().Set("X-Amz-Function-Error", "Unhandled")
			msg := err.Error()
			if se != nil {
				msg = se.Message
			}
			_ = json.NewEncoder(w).Encode(map[string]string{"errorType": name, "errorMessage": msg})
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(out)
	})
	mux.HandleFunc("GET /s3/{bucket}/{key...}", func(w http.ResponseWriter, r *http.Request) {
		data, err := get(r.PathValue("bucket"), r.PathValue("key"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		_, _ = w.Write(data)
	})
	return mux
}
