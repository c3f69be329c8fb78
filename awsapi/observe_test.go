package awsapi

import (
	"strings"
	"testing"

	"github.com/aws/smithy-go/logging"
)

func TestDebugLogRedactsCredentials(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	l := DebugLog(&b)
	l.Logf(logging.Debug, "Request\nPOST / HTTP/1.1\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260301/us-west-2/rds/aws4_request, SignedHeaders=host, Signature=abcdef0123\r\n"+
		"X-Amz-Security-Token: FQoGZXIvYXdzEXAMPLETOKEN\r\n\r\nGET /?X-Amz-Signature=deadbeef&X-Amz-Security-Token=tok2&Action=X")
	got := b.String()
	for _, secret := range []string{"abcdef0123", "FQoGZXIvYXdzEXAMPLETOKEN", "deadbeef", "tok2"} {
		if strings.Contains(got, secret) {
			t.Errorf("the debug log shows %q:\n%s", secret, got)
		}
	}
	for _, kept := range []string{"aws-sdk DEBUG Request", "Credential=AKIDEXAMPLE/20260301/us-west-2/rds/aws4_request", "Action=X"} {
		if !strings.Contains(got, kept) {
			t.Errorf("the debug log lacks %q:\n%s", kept, got)
		}
	}
}
