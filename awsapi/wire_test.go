package awsapi_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// fakeAWS is a hand-written Query-protocol endpoint that records every
// request and answers from a script: the exact wire view of what awsapi
// sends, which neither moto nor the simulator exposes.
type fakeAWS struct {
	*httptest.Server

	mu    sync.Mutex
	reqs  []recorded
	reply func(r recorded) (status int, body string) // nil: success
}

type recorded struct {
	Action  string
	Region  string // from the SigV4 credential scope
	Service string
	Form    url.Values
}

var scope = regexp.MustCompile(`Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request`)

func newFakeAWS(t *testing.T, reply func(r recorded) (int, string)) *fakeAWS {
	t.Helper()
	f := &fakeAWS{reply: reply}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeAWS) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(body))
	rec := recorded{Action: form.Get("Action"), Form: form}
	if m := scope.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		rec.Region, rec.Service = m[1], m[2]
	}
	f.mu.Lock()
	f.reqs = append(f.reqs, rec)
	reply := f.reply
	f.mu.Unlock()
	status, out := http.StatusOK, ""
	if reply != nil {
		status, out = reply(rec)
	}
	if status == 0 {
		// Hang until the client gives up.
		<-r.Context().Done()
		return
	}
	if out == "" {
		out = success(rec.Action, "")
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("x-amzn-RequestId", "fake-req-1")
	w.WriteHeader(status)
	io.WriteString(w, out)
}

// requests returns what was recorded so far.
func (f *fakeAWS) requests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.reqs...)
}

// count is how many requests named action.
func (f *fakeAWS) count(action string) int {
	n := 0
	for _, r := range f.requests() {
		if r.Action == action {
			n++
		}
	}
	return n
}

// success is a Query success envelope with inner as the result's content.
func success(action, inner string) string {
	return fmt.Sprintf(`<%sResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><%sResult>%s</%sResult>`+
		`<ResponseMetadata><RequestId>fake-req-1</RequestId></ResponseMetadata></%sResponse>`, action, action, inner, action, action)
}

// failure is a Query error envelope.
func failure(kind, code, message string) string {
	return fmt.Sprintf(`<ErrorResponse><Error><Type>%s</Type><Code>%s</Code><Message>%s</Message></Error>`+
		`<RequestId>fake-req-1</RequestId></ErrorResponse>`, kind, code, message)
}

// formSubset checks that form holds every key of want with that value and
// no key of absent.
func formSubset(t *testing.T, form url.Values, want map[string]string, absent ...string) {
	t.Helper()
	for k, v := range want {
		if got := form.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	for _, k := range absent {
		if _, ok := form[k]; ok {
			t.Errorf("%s is sent (%q), want it omitted", k, form.Get(k))
		}
	}
}

// presignedScope is the credential scope (region/service) of a PreSignedUrl.
func presignedScope(t *testing.T, raw string) (region, action, destination string) {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("PreSignedUrl %q: %v", raw, err)
	}
	q := u.Query()
	parts := strings.Split(q.Get("X-Amz-Credential"), "/")
	if len(parts) != 5 {
		t.Fatalf("PreSignedUrl has no credential scope: %q", raw)
	}
	return parts[2], q.Get("Action"), q.Get("DestinationRegion")
}
