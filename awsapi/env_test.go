package awsapi_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"drorch/awsapi"
)

// These tests change the process environment (the standard AWS chain reads
// it), so they cannot run in parallel with others.

// isolateEnv clears every AWS variable the chain might read.
func isolateEnv(t *testing.T) {
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/config")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/credentials")
	for _, v := range []string{"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
		"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_RDS", "AWS_ENDPOINT_URL_STS", "AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE"} {
		t.Setenv(v, "")
	}
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

func TestNoRegion(t *testing.T) {
	isolateEnv(t)
	_, err := awsapi.New(context.Background(), awsapi.Config{Credentials: dummyCreds()})
	if !errors.Is(err, awsapi.ErrNoRegion) || err.Error() != "no region: pass --region or set AWS_REGION" {
		t.Fatalf("err = %v, want ErrNoRegion", err)
	}
}

func TestRegionFromEnvironment(t *testing.T) {
	isolateEnv(t)
	t.Setenv("AWS_REGION", "eu-central-1")
	c, err := awsapi.New(context.Background(), awsapi.Config{Credentials: dummyCreds()})
	ok(t, err)
	if c.Region() != "eu-central-1" {
		t.Errorf("region = %q", c.Region())
	}
	c, err = awsapi.New(context.Background(), awsapi.Config{Region: "us-west-2", Credentials: dummyCreds()})
	ok(t, err)
	if c.Region() != "us-west-2" {
		t.Errorf("--region does not win over AWS_REGION: %q", c.Region())
	}
}

// TestEndpointFromEnvironment: without --endpoint-url the SDK's own
// AWS_ENDPOINT_URL handling sends calls to the simulator; with it, the flag
// wins even over a service-specific variable; AWS_MAX_ATTEMPTS cannot make
// a mutating call repeat.
func TestEndpointFromEnvironment(t *testing.T) {
	isolateEnv(t)
	f := newFakeAWS(t, func(recorded) (int, string) { return 500, failure("Receiver", "InternalFailure", "x") })
	other := newFakeAWS(t, nil)
	t.Setenv("AWS_ENDPOINT_URL", f.URL)
	t.Setenv("AWS_MAX_ATTEMPTS", "7")
	c, err := awsapi.New(context.Background(), awsapi.Config{Region: "us-east-1", Credentials: dummyCreds(), HTTPClient: &http.Client{}, MaxBackoff: 1})
	ok(t, err)
	_ = api{Clients: c}.PromoteReadReplica(context.Background(), "us-west-2", "r")
	if n := f.count("PromoteReadReplica"); n != 1 {
		t.Fatalf("AWS_ENDPOINT_URL: %d calls reached it, want exactly 1", n)
	}

	t.Setenv("AWS_ENDPOINT_URL_RDS", f.URL)
	c, err = awsapi.New(context.Background(), awsapi.Config{Region: "us-east-1", EndpointURL: other.URL, Credentials: dummyCreds(), HTTPClient: &http.Client{}})
	ok(t, err)
	ok(t, api{Clients: c}.PromoteReadReplica(context.Background(), "us-west-2", "r"))
	if other.count("PromoteReadReplica") != 1 || f.count("PromoteReadReplica") != 1 {
		t.Errorf("--endpoint-url lost to AWS_ENDPOINT_URL_RDS")
	}
}
