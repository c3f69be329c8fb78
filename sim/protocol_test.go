package sim_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"drorch/internal/clock"
	"drorch/sim"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// auth is a SigV4 Authorization header for region and service (the
// simulator reads the scope and ignores the signature).
func auth(region, service string) string {
	return fmt.Sprintf("AWS4-HMAC-SHA256 Credential=AKIDTEST/20250601/%s/%s/aws4_request, SignedHeaders=host;x-amz-date, Signature=00", region, service)
}

func newSeedSim(t testing.TB) *sim.Sim {
	t.Helper()
	s, err := sim.New(sim.Config{Clock: clock.NewFake(t0), Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// serve sends one request to s in-process and returns the recorded answer.
func serve(s http.Handler, method, target, authz string, header map[string]string, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	if authz != "" {
		r.Header.Set("Authorization", authz)
	}
	if method == http.MethodPost && header["X-Amz-Target"] == "" {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	}
	for k, v := range header {
		r.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, r)
	return rec
}

// The exact bytes of representative answers, success and error, in both
// protocols: reviewed once, then held still.
func TestGoldenResponses(t *testing.T) {
	t.Parallel()
	ssmTarget := map[string]string{"X-Amz-Target": "AmazonSSM.GetParameter", "Content-Type": "application/x-amz-json-1.1"}
	cases := []struct {
		name, method, target, authz string
		header                      map[string]string
		body                        string
	}{
		{"describe-global-clusters", "POST", "/", auth(west, "rds"), nil, "Action=DescribeGlobalClusters&Version=2014-10-31"},
		{"describe-db-clusters", "POST", "/", auth(west, "rds"), nil, "Action=DescribeDBClusters&Version=2014-10-31&DBClusterIdentifier=dbcluster-02"},
		{"describe-db-instances-replica", "POST", "/", auth(west, "rds"), nil, "Action=DescribeDBInstances&Version=2014-10-31&DBInstanceIdentifier=rds-mysql-instance"},
		{"describe-global-replication-groups", "POST", "/", auth(east, "elasticache"), nil, "Action=DescribeGlobalReplicationGroups&Version=2015-02-02&ShowMemberInfo=true"},
		{"describe-replication-groups", "POST", "/", auth(east, "elasticache"), nil, "Action=DescribeReplicationGroups&Version=2015-02-02"},
		{"get-caller-identity-get", "GET", "/?Action=GetCallerIdentity&Version=2011-06-15", auth(east, "sts"), nil, ""},
		{"error-global-cluster-not-found", "POST", "/", auth(west, "rds"), nil, "Action=DescribeGlobalClusters&Version=2014-10-31&GlobalClusterIdentifier=nope"},
		{"error-missing-auth", "POST", "/", "", nil, "Action=DescribeGlobalClusters&Version=2014-10-31"},
		{"error-unknown-action", "POST", "/", auth(west, "rds"), nil, "Action=DescribeEverything&Version=2014-10-31"},
		{"error-unknown-service", "POST", "/", auth(west, "s3"), nil, "Action=ListBuckets"},
		{"ssm-get-parameter", "POST", "/", auth(west, "ssm"), ssmTarget, `{"Name":"/dr-orchestrator/demo/global-cluster-id"}`},
		{"ssm-parameter-not-found", "POST", "/", auth(west, "ssm"), ssmTarget, `{"Name":"/nope"}`},
		{"presigned-scope", "GET", "/?Action=DescribeDBClusters&Version=2014-10-31&X-Amz-Credential=" + url.QueryEscape("AKID/20250601/us-east-1/rds/aws4_request"), "", nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newSeedSim(t)
			rec := serve(s, tc.method, tc.target, tc.authz, tc.header, tc.body)
			var got bytes.Buffer
			fmt.Fprintf(&got, "%d\n", rec.Code)
			for _, h := range []string{"Content-Type", "X-Amzn-Errortype", "X-Amzn-Requestid"} {
				if v := rec.Header().Get(h); v != "" {
					fmt.Fprintf(&got, "%s: %s\n", h, v)
				}
			}
			got.WriteString("\n")
			got.Write(indentBody(t, rec.Body.Bytes()))
			path := filepath.Join("testdata", "golden", tc.name+".txt")
			if *update {
				if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -run TestGoldenResponses -update)", err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Errorf("answer differs from %s:\n%s", path, got.String())
			}
		})
	}
}

// indentBody pretty-prints an XML or JSON body so that goldens diff well,
// and fails the test if it is neither.
func indentBody(t *testing.T, body []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	if json.Valid(body) {
		if err := json.Indent(&out, body, "", "  "); err != nil {
			t.Fatal(err)
		}
		return append(out.Bytes(), '\n')
	}
	dec := xml.NewDecoder(bytes.NewReader(body))
	enc := xml.NewEncoder(&out)
	enc.Indent("", "  ")
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("body is neither JSON nor XML: %v\n%s", err, body)
		}
		if cd, ok := tok.(xml.CharData); ok && len(bytes.TrimSpace(cd)) == 0 {
			continue
		}
		if se, ok := tok.(xml.StartElement); ok {
			se.Name.Space, se.Attr = "", nil // the namespace is checked below
			tok = se
		}
		if ee, ok := tok.(xml.EndElement); ok {
			ee.Name.Space = ""
			tok = ee
		}
		if err := enc.EncodeToken(tok); err != nil {
			t.Fatal(err)
		}
	}
	if err := enc.Flush(); err != nil {
		t.Fatal(err)
	}
	return append(out.Bytes(), '\n')
}

func TestQueryNamespaces(t *testing.T) {
	t.Parallel()
	s := newSeedSim(t)
	for svc, want := range map[string]string{
		"rds|DescribeDBClusters|2014-10-31":                `<DescribeDBClustersResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/">`,
		"elasticache|DescribeReplicationGroups|2015-02-02": `<DescribeReplicationGroupsResponse xmlns="http://elasticache.amazonaws.com/doc/2015-02-02/">`,
		"cloudformation|ListExports|2010-05-15":            `<ListExportsResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">`,
		"sts|GetCallerIdentity|2011-06-15":                 `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">`,
		"sns|Publish|2010-03-31":                           `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">`,
	} {
		parts := strings.Split(svc, "|")
		rec := serve(s, "POST", "/", auth(east, parts[0]), nil, "Action="+parts[1]+"&Version="+parts[2])
		if !strings.HasPrefix(rec.Body.String(), want) {
			t.Errorf("%s: %s", svc, rec.Body.String())
		}
	}
}

// Requests the simulator must refuse cleanly, each with the AWS code a
// client would see.
func TestMalformedRequests(t *testing.T) {
	t.Parallel()
	s := newSeedSim(t)
	ssm := map[string]string{"X-Amz-Target": "AmazonSSM.GetParameter"}
	cases := []struct {
		name, authz string
		header      map[string]string
		body        string
		status      int
		code        string
	}{
		{"no action", auth(east, "rds"), nil, "Version=2014-10-31", 400, "MissingAction"},
		{"no version", auth(east, "rds"), nil, "Action=DescribeDBClusters", 400, "MissingParameter"},
		{"old version", auth(east, "rds"), nil, "Action=DescribeDBClusters&Version=2013-01-10", 400, "InvalidAction"},
		{"bad escape", auth(east, "rds"), nil, "Action=%zz", 404, "MalformedQueryString"},
		{"bad credential", "AWS4-HMAC-SHA256 Credential=AKID/us-east-1, Signature=0", nil, "Action=DescribeDBClusters", 400, "IncompleteSignature"},
		{"no credential", "Bearer x", nil, "Action=DescribeDBClusters", 400, "IncompleteSignature"},
		{"bad boolean", auth(east, "elasticache"), nil, "Action=DescribeGlobalReplicationGroups&Version=2015-02-02&ShowMemberInfo=maybe", 400, "InvalidParameterValue"},
		{"bad integer", auth(east, "rds"), nil, "Action=DescribeDBClusters&Version=2014-10-31&MaxRecords=x", 400, "InvalidParameterValue"},
		{"bad marker", auth(east, "rds"), nil, "Action=DescribeDBClusters&Version=2014-10-31&Marker=!!", 400, "InvalidParameterValue"},
		{"bad filter", auth(east, "rds"), nil, "Action=DescribeDBClusters&Version=2014-10-31&Filters.Filter.1.Name=color&Filters.Filter.1.Values.Value.1=red", 400, "InvalidParameterValue"},
		{"filter without values", auth(east, "rds"), nil, "Action=DescribeDBClusters&Version=2014-10-31&Filters.Filter.1.Name=engine", 400, "InvalidParameterValue"},
		{"empty segment", auth(east, "rds"), nil, "Action=DescribeDBClusters&Version=2014-10-31&Filters..x=1", 400, "InvalidParameterValue"},
		{"missing required", auth(east, "rds"), nil, "Action=SwitchoverGlobalCluster&Version=2014-10-31", 400, "MissingParameter"},
		{"ssm unknown op", auth(east, "ssm"), map[string]string{"X-Amz-Target": "AmazonSSM.PutParameter"}, "{}", 400, "UnknownOperationException"},
		{"ssm bad json", auth(east, "ssm"), ssm, "{", 400, "SerializationException"},
		{"ssm no name", auth(east, "ssm"), ssm, "{}", 400, "ValidationException"},
		{"ssm wrong type", auth(east, "ssm"), ssm, `{"Name":5}`, 400, "SerializationException"},
	}
	for _, tc := range cases {
		rec := serve(s, "POST", "/", tc.authz, tc.header, tc.body)
		code := errorCode(rec)
		if rec.Code != tc.status || code != tc.code {
			t.Errorf("%s: %d %s, want %d %s\n%s", tc.name, rec.Code, code, tc.status, tc.code, rec.Body.String())
		}
	}
	// An empty list (Prefix=) is accepted as no values.
	rec := serve(s, "POST", "/", auth(east, "rds"), nil, "Action=DescribeDBClusters&Version=2014-10-31&Filters=")
	if rec.Code != 200 {
		t.Errorf("empty Filters list: %d %s", rec.Code, rec.Body.String())
	}
	big := serve(s, "POST", "/", auth(east, "rds"), nil, "Action=DescribeDBClusters&Version=2014-10-31&x="+strings.Repeat("a", 2<<20))
	if big.Code != 413 || errorCode(big) != "RequestEntityTooLarge" {
		t.Errorf("2 MiB body: %d", big.Code)
	}
}

// errorCode reads the AWS error code of an answer in either protocol.
func errorCode(rec *httptest.ResponseRecorder) string {
	var x struct {
		Error struct {
			Code string `xml:"Code"`
		} `xml:"Error"`
	}
	if xml.Unmarshal(rec.Body.Bytes(), &x) == nil && x.Error.Code != "" {
		return x.Error.Code
	}
	var j struct {
		Type string `json:"__type"`
	}
	if json.Unmarshal(rec.Body.Bytes(), &j) == nil {
		return j.Type
	}
	return ""
}
