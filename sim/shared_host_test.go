package sim_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"drorch/sim"
)

// The simulator as a server on a shared host: what one careless or hostile
// client can do to it, and what a web page in a browser can do to it.

// serveOn runs s on a loopback listener with settings until the test ends.
func serveOn(t *testing.T, s *sim.Sim) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return ln.Addr().String()
}

func TestServerSettingsDefaults(t *testing.T) {
	t.Parallel()
	d := sim.ServerSettings{}.WithDefaults()
	if d.ReadHeaderTimeout <= 0 || d.ReadTimeout <= 0 || d.WriteTimeout <= 0 || d.IdleTimeout <= 0 || d.MaxConns <= 0 {
		t.Fatalf("defaults leave something unbounded: %+v", d)
	}
	if d != sim.DefaultServerSettings {
		t.Errorf("WithDefaults() = %+v, want the documented %+v", d, sim.DefaultServerSettings)
	}
	custom := sim.ServerSettings{MaxConns: 3}.WithDefaults()
	if custom.MaxConns != 3 || custom.IdleTimeout != sim.DefaultServerSettings.IdleTimeout {
		t.Errorf("a set field is kept, the others defaulted: %+v", custom)
	}
}

// A client that opens a connection and never finishes its headers is cut
// off after ReadHeaderTimeout, instead of holding a connection forever.
func TestServerCutsSlowHeaders(t *testing.T) {
	t.Parallel()
	s, err := sim.New(sim.Config{Clock: newFake(), Server: sim.ServerSettings{ReadHeaderTimeout: 50 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	addr := serveOn(t, s)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "POST / HTTP/1.1\r\nHost: x\r\n"); err != nil {
		t.Fatal(err)
	}
	// The server closes the connection (possibly after a 408); a generous
	// deadline only keeps a broken server from hanging the test.
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err = io.ReadAll(conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("a client that never finished its headers still holds its connection")
	}
}

// MaxConns bounds the connections served at once: the next one waits until
// one closes.
func TestServerCapsConnections(t *testing.T) {
	t.Parallel()
	s, err := sim.New(sim.Config{Clock: newFake(), Server: sim.ServerSettings{MaxConns: 1}})
	if err != nil {
		t.Fatal(err)
	}
	addr := serveOn(t, s)
	health := func(conn net.Conn) (string, error) {
		if _, err := io.WriteString(conn, "GET /_sim/health HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			return "", err
		}
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		return resp.Status, nil
	}
	first, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := health(first); err != nil || st != "200 OK" {
		t.Fatalf("first connection: %s %v", st, err)
	}
	second, err := net.Dial("tcp", addr) // the kernel accepts; the server does not
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	_ = second.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if st, err := health(second); err == nil {
		t.Fatalf("a second connection was served while MaxConns=1 was in use: %s", st)
	}
	first.Close()
	_ = second.SetReadDeadline(time.Now().Add(10 * time.Second))
	// The request written before is still in the socket: the answer comes
	// once the first connection is gone.
	resp, err := http.ReadResponse(bufio.NewReader(second), nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("second connection after the first closed: %v %v", resp, err)
	}
	resp.Body.Close()
}

// A credential scope naming no AWS region gets AWS's own answer and never
// becomes a key of the call counters.
func TestUnknownRegionRefused(t *testing.T) {
	t.Parallel()
	s := newSeedSim(t)
	huge := strings.Repeat("r", 4096)
	cases := []struct {
		region, service, target, body string
		status                        int
		code                          string
	}{
		{huge, "rds", "", "Action=DescribeDBClusters&Version=2014-10-31", 403, "SignatureDoesNotMatch"},
		{"us-east-7", "rds", "", "Action=DescribeDBClusters&Version=2014-10-31", 403, "SignatureDoesNotMatch"},
		{"US-EAST-1", "sns", "", "Action=Publish&Version=2010-03-31", 403, "SignatureDoesNotMatch"},
		{huge, "ssm", "AmazonSSM.GetParameter", `{"Name":"x"}`, 400, "InvalidSignatureException"},
	}
	for _, tc := range cases {
		h := map[string]string{}
		if tc.target != "" {
			h["X-Amz-Target"] = tc.target
			h["Content-Type"] = "application/x-amz-json-1.1"
		}
		rec := serve(s, "POST", "/", auth(tc.region, tc.service), h, tc.body)
		if rec.Code != tc.status || errorCode(rec) != tc.code {
			t.Errorf("region %.20s: %d %s, want %d %s", tc.region, rec.Code, errorCode(rec), tc.status, tc.code)
		}
		if want := "Credential should be scoped to a valid region"; !strings.Contains(rec.Body.String(), want) {
			t.Errorf("region %.20s: message lacks %q: %s", tc.region, want, rec.Body.String())
		}
		if len(rec.Body.String()) > 1024 {
			t.Errorf("region %.20s: the answer echoes the whole region (%d bytes)", tc.region, rec.Body.Len())
		}
	}
	if n := len(s.Calls()); n != 0 {
		t.Errorf("refused calls were counted: %+v", s.Calls())
	}
	// A real region the scenario does not use is still a region.
	if rec := serve(s, "POST", "/", auth("eu-west-3", "rds"), nil, "Action=DescribeDBClusters&Version=2014-10-31"); rec.Code != 200 {
		t.Errorf("eu-west-3: %d %s", rec.Code, rec.Body.String())
	}
}

// The logs a client fills are bounded: the mutating-call log keeps its
// newest entries and counts the rest; SNS keeps its newest messages.
func TestLogsAreBounded(t *testing.T) {
	t.Parallel()
	s := newSeedSim(t)
	n := sim.MaxMutatingLog + 5
	for i := range n {
		rec := serve(s, "POST", "/", auth(east, "rds"), nil,
			fmt.Sprintf("Action=PromoteReadReplica&Version=2014-10-31&DBInstanceIdentifier=%s-%d", strings.Repeat("x", 200), i))
		if rec.Code != 404 {
			t.Fatalf("promote of nothing: %d", rec.Code)
		}
	}
	log := s.MutatingCalls()
	if len(log) != sim.MaxMutatingLog || log[len(log)-1].Seq != n || log[0].Seq != 6 {
		t.Errorf("mutating log: %d entries, seq %d..%d; want the newest %d of %d", len(log), log[0].Seq, log[len(log)-1].Seq, sim.MaxMutatingLog, n)
	}
	topic := "arn:aws:sns:us-east-1:123456789012:" + sim.SeedScenario().Topics[0]
	for i := range sim.MaxMessages + 3 {
		rec := serve(s, "POST", "/", auth(east, "sns"), nil, fmt.Sprintf("Action=Publish&Version=2010-03-31&TopicArn=%s&Message=m%d", topic, i))
		if rec.Code != 200 {
			t.Fatalf("publish: %d %s", rec.Code, rec.Body.String())
		}
	}
	msgs := s.Messages()
	if len(msgs) != sim.MaxMessages || msgs[len(msgs)-1].Message != fmt.Sprintf("m%d", sim.MaxMessages+2) {
		t.Errorf("messages kept: %d, last %q", len(msgs), msgs[len(msgs)-1].Message)
	}
	tooLong := serve(s, "POST", "/", auth(east, "sns"), nil, "Action=Publish&Version=2010-03-31&TopicArn="+topic+"&Message="+strings.Repeat("m", 256*1024+1))
	if tooLong.Code != 400 || errorCode(tooLong) != "InvalidParameter" {
		t.Errorf("a message over 256 KB: %d %s", tooLong.Code, errorCode(tooLong))
	}
}

// Admin writes need a JSON body type and no foreign Origin: a web page can
// send a cross-origin text/plain POST without a preflight, and must not be
// able to script the simulator of whoever visits it. Reads stay open.
func TestAdminWritesRefuseCrossOrigin(t *testing.T) {
	t.Parallel()
	h := seedHarness(t)
	own := h.url
	cases := []struct {
		name, method, path, ctype, origin, body string
		status                                  int
		host                                    string
	}{
		{"text/plain fault", "POST", "/_sim/faults", "text/plain", "", `{"kind":"throttle"}`, 415, ""},
		{"form fault", "POST", "/_sim/faults", "application/x-www-form-urlencoded", "", `{"kind":"throttle"}`, 415, ""},
		{"no type", "POST", "/_sim/faults", "", "", `{"kind":"throttle"}`, 415, ""},
		{"foreign origin", "POST", "/_sim/faults", "application/json", "http://evil.example", `{"kind":"throttle"}`, 403, ""},
		{"null origin", "POST", "/_sim/faults", "application/json", "null", `{"kind":"throttle"}`, 403, ""},
		{"other port", "POST", "/_sim/faults", "application/json", "http://127.0.0.1:1", `{"kind":"throttle"}`, 403, ""},
		{"delete text/plain", "DELETE", "/_sim/calls", "text/plain", "", "", 415, ""},
		{"outage text/plain", "POST", "/_sim/regions/us-east-1/outage", "text/plain", "", "", 415, ""},
		{"advance foreign", "POST", "/_sim/advance", "application/json", "https://evil.example", `{"seconds":60}`, 403, ""},
		{"own origin", "POST", "/_sim/faults", "application/json; charset=utf-8", own, `{"kind":"throttle","region":"us-west-2"}`, 201, ""},
		{"no origin", "DELETE", "/_sim/faults", "application/json", "", "", 204, ""},
		{"read with foreign origin", "GET", "/_sim/state", "", "http://evil.example", "", 200, ""},
		// DNS rebinding: a name the attacker points at 127.0.0.1 is "same origin".
		{"rebound name", "POST", "/_sim/faults", "application/json", "http://evil.example:4566", `{"kind":"throttle"}`, 403, "evil.example:4566"},
		{"localhost", "POST", "/_sim/advance", "application/json", "http://localhost:4566", `{"seconds":1}`, 200, "localhost:4566"},
	}
	for _, tc := range cases {
		req, _ := http.NewRequest(tc.method, h.url+tc.path, strings.NewReader(tc.body))
		if tc.host != "" {
			req.Host = tc.host
		}
		if tc.ctype != "" {
			req.Header.Set("Content-Type", tc.ctype)
		}
		if tc.origin != "" {
			req.Header.Set("Origin", tc.origin)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.name, resp.StatusCode, body, tc.status)
		}
		if tc.status >= 400 && !strings.Contains(string(body), `"error"`) {
			t.Errorf("%s: refusal is not a JSON error: %s", tc.name, body)
		}
	}
	if fs := h.sim.Faults(); len(fs) != 0 {
		t.Errorf("refused writes changed the faults: %+v", fs)
	}
	if !h.sim.Now().Equal(t0.Add(time.Second)) {
		t.Errorf("refused advances moved time: now %v, want only the accepted second", h.sim.Now())
	}
}

func TestAdvanceBounds(t *testing.T) {
	t.Parallel()
	h := seedHarness(t)
	for _, body := range []string{`{"seconds":-5}`, `{"seconds":0}`, `{"seconds":1e12}`, `{"seconds":1e300}`,
		`{"seconds":"10m"}`, `{"seconds":null}`, `{}`, `{"seconds":1,"x":2}`, `[1]`, ``} {
		req, _ := http.NewRequest("POST", h.url+"/_sim/advance", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		msg, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 400 || !strings.Contains(string(msg), `"error"`) {
			t.Errorf("advance %s: %d %s", body, resp.StatusCode, msg)
		}
	}
	if !h.sim.Now().Equal(t0) {
		t.Errorf("refused advances moved time to %v", h.sim.Now())
	}
	if err := sim.NewClient(h.url).Advance(context.Background(), sim.MaxAdvance); err != nil {
		t.Errorf("advance by the maximum: %v", err)
	}
	if err := sim.NewClient(h.url).Advance(context.Background(), sim.MaxAdvance+time.Second); err == nil {
		t.Errorf("advance past the maximum accepted")
	}
}

// Faults name real regions, and there are at most MaxFaults of them.
func TestFaultsAreBounded(t *testing.T) {
	t.Parallel()
	s := newSeedSim(t)
	if _, err := s.SetFault(sim.Fault{Kind: sim.FaultOutage, Region: strings.Repeat("r", 4096)}); err == nil || !strings.Contains(err.Error(), "not an AWS region") {
		t.Errorf("outage of a made-up region: %v", err)
	}
	for i := range sim.MaxFaults {
		if _, err := s.SetFault(sim.Fault{Kind: sim.FaultThrottle, Region: west, Rate: 0.001}); err != nil {
			t.Fatalf("fault %d: %v", i, err)
		}
	}
	if _, err := s.SetFault(sim.Fault{Kind: sim.FaultThrottle, Region: west}); err == nil || !strings.Contains(err.Error(), "clear some") {
		t.Errorf("fault past the maximum: %v", err)
	}
	if n := len(s.Faults()); n != sim.MaxFaults {
		t.Errorf("%d faults kept", n)
	}
}

// Creating is bounded by AWS's default quotas, per region.
func TestCreateQuotas(t *testing.T) {
	t.Parallel()
	s := newSeedSim(t)
	const region = "eu-west-3"
	create := func(action, params string) *httptest.ResponseRecorder {
		return serve(s, "POST", "/", auth(region, "rds"), nil, "Action="+action+"&Version=2014-10-31&"+params)
	}
	for i := range 40 {
		if rec := create("CreateDBCluster", fmt.Sprintf("DBClusterIdentifier=c%d&Engine=aurora-mysql", i)); rec.Code != 200 {
			t.Fatalf("cluster %d: %d %s", i, rec.Code, rec.Body.String())
		}
		if rec := create("CreateDBInstance", fmt.Sprintf("DBInstanceIdentifier=i%d&Engine=aurora-mysql&DBInstanceClass=db.r6g.large&DBClusterIdentifier=c%d", i, i)); rec.Code != 200 {
			t.Fatalf("instance %d: %d %s", i, rec.Code, rec.Body.String())
		}
	}
	if rec := create("CreateDBCluster", "DBClusterIdentifier=c40&Engine=aurora-mysql"); rec.Code != 403 || errorCode(rec) != "DBClusterQuotaExceededFault" {
		t.Errorf("41st cluster: %d %s", rec.Code, errorCode(rec))
	}
	if rec := create("CreateDBInstance", "DBInstanceIdentifier=i40&Engine=mysql&DBInstanceClass=db.r6g.large"); rec.Code != 400 || errorCode(rec) != "InstanceQuotaExceeded" {
		t.Errorf("41st instance: %d %s", rec.Code, errorCode(rec))
	}
	// Another region has its own quota.
	if rec := serve(s, "POST", "/", auth("eu-west-1", "rds"), nil, "Action=CreateDBCluster&Version=2014-10-31&DBClusterIdentifier=c40&Engine=aurora-mysql"); rec.Code != 200 {
		t.Errorf("cluster in another region: %d %s", rec.Code, rec.Body.String())
	}
}
