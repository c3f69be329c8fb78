package awsapi_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"drorch/awsapi"
	"drorch/cloud"
	"drorch/ref"
)

// The adapters drorch's core uses.
var (
	_ cloud.BatchReader = (*awsapi.Reads)(nil)
	_ cloud.Reader      = (*awsapi.Reads)(nil)
	_ cloud.Executor    = (*awsapi.Calls)(nil)
	_ cloud.Identity    = awsapi.Identity{}
)

// dummyCreds are what the simulator and moto accept.
func dummyCreds() aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "")
}

// newClients points a client set at endpoint with dummy credentials, tiny
// retry backoff and no request budget (tests never wait for real backoff
// or for the budget's refill: budget_test.go tests the budget on a fake
// clock, the benchmark's tests with the real clients on a stepped one) and
// the given overrides.
func newClients(t testing.TB, endpoint string, tweak func(*awsapi.Config)) api {
	t.Helper()
	conf := awsapi.Config{
		Region:      "us-east-1",
		EndpointURL: endpoint,
		Credentials: dummyCreds(),
		CallTimeout: 20 * time.Second,
		MaxBackoff:  time.Millisecond,
		HTTPClient:  &http.Client{},
		APIRate:     -1,
	}
	if tweak != nil {
		tweak(&conf)
	}
	c, err := awsapi.New(context.Background(), conf)
	if err != nil {
		t.Fatalf("awsapi.New: %v", err)
	}
	return api{Clients: c}
}

// sdkConfig is a plain aws.Config for seeding emulators with the raw SDK.
func sdkConfig(region string) aws.Config {
	return aws.Config{Region: region, Credentials: dummyCreds(), HTTPClient: &http.Client{}}
}

// wantKind fails unless err is an *cloud.APIError of kind k and, when
// code is not empty, with that code.
func wantKind(t testing.TB, err error, k cloud.ErrorKind, code string) *cloud.APIError {
	t.Helper()
	var ae *cloud.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v (%T), want *cloud.APIError of kind %v", err, err, k)
	}
	if ae.Kind != k {
		t.Fatalf("kind = %v, want %v: %v", ae.Kind, k, err)
	}
	if code != "" && ae.Code != code {
		t.Fatalf("code = %q, want %q: %v", ae.Code, code, err)
	}
	return ae
}

// result holds a call's two results so that res(call()).must(t) reads well.
type result[T any] struct {
	v   T
	err error
}

func res[T any](v T, err error) result[T] { return result[T]{v, err} }

// must returns the value or fails the test with the error.
func (r result[T]) must(t testing.TB) T {
	t.Helper()
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.v
}

func ok(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

type refExport = ref.Export

func asAPIError(err error) (*cloud.APIError, bool) {
	var ae *cloud.APIError
	return ae, errors.As(err, &ae)
}

func errorsIsCanceled(err error) bool {
	_, isAPI := asAPIError(err)
	return !isAPI && errors.Is(err, context.Canceled)
}
