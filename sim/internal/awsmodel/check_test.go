package awsmodel

import (
	"compress/gzip"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The checker on toy models (testdata/data): each kind of discrepancy it
// exists to find is found, and a conforming answer passes.

func header(ct string) http.Header {
	h := http.Header{}
	h.Set("Content-Type", ct)
	h.Set("X-Amzn-Requestid", "r-1")
	return h
}

const toyNS = `xmlns="http://toy.example/doc/2020-01-01/"`

func wrapXML(result string) string {
	return `<DescribeThingsResponse ` + toyNS + `><DescribeThingsResult>` + result +
		`</DescribeThingsResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></DescribeThingsResponse>`
}

func TestQueryChecks(t *testing.T) {
	t.Parallel()
	m, err := Load("testdata/data", "toyxml", "")
	if err != nil {
		t.Fatal(err)
	}
	good := `<Things><Thing><Id>a</Id><Count>3</Count><On>true</On><When>2025-06-01T12:00:00.000Z</When><Color>red</Color>` +
		`<Tags><entry><key>k</key><value>v</value></entry></Tags><Names><member>x</member></Names></Thing></Things>` +
		`<Item>1</Item><Item>2</Item><Marker>m</Marker>`
	errBody := func(typ, code string) string {
		return `<ErrorResponse ` + toyNS + `><Error><Type>` + typ + `</Type><Code>` + code + `</Code><Message>no</Message></Error><RequestId>r</RequestId></ErrorResponse>`
	}
	cases := []struct {
		name   string
		status int
		body   string
		want   string // "" = conforms
	}{
		{"conforming", 200, wrapXML(good), ""},
		{"unknown member", 200, wrapXML(`<Things><Thing><Id>a</Id><Size>1</Size></Thing></Things>`), "Size: element outside the model"},
		{"list item name", 200, wrapXML(`<Things><member><Id>a</Id></member></Things>`), "must be named Thing"},
		{"default list item name", 200, wrapXML(`<Things><Thing><Id>a</Id><Names><Name>x</Name></Names></Thing></Things>`), "must be named member"},
		{"flattened list wrapped", 200, wrapXML(`<Flat><Item>1</Item></Flat>`), "Flat: element outside the model"},
		{"required", 200, wrapXML(`<Things><Thing><Count>1</Count></Thing></Things>`), "required member Id is missing"},
		{"integer", 200, wrapXML(`<Things><Thing><Id>a</Id><Count></Count></Thing></Things>`), "is not an integer"},
		{"boolean", 200, wrapXML(`<Things><Thing><Id>a</Id><On>True</On></Thing></Things>`), "is not true or false"},
		{"timestamp", 200, wrapXML(`<Things><Thing><Id>a</Id><When>1717243200</When></Thing></Things>`), "not an ISO 8601 timestamp"},
		{"enum", 200, wrapXML(`<Things><Thing><Id>a</Id><Color>green</Color></Thing></Things>`), `"green" is not a value of enum Color`},
		{"map entry", 200, wrapXML(`<Things><Thing><Id>a</Id><Tags><item><key>k</key><value>v</value></item></Tags></Thing></Things>`), "must be named entry"},
		{"twice", 200, wrapXML(`<Marker>a</Marker><Marker>b</Marker>`), "appears 2 times"},
		{"namespace", 200, strings.Replace(wrapXML(""), toyNS, `xmlns="http://other/"`, 1), "namespace"},
		{"no metadata", 200, `<DescribeThingsResponse ` + toyNS + `><DescribeThingsResult/></DescribeThingsResponse>`, "0 ResponseMetadata"},
		{"modeled error", 404, errBody("Sender", "ThingNotFound"), ""},
		{"modeled error, wrong status", 400, errBody("Sender", "ThingNotFound"), "modeled with HTTP 404"},
		{"common error", 400, errBody("Sender", "Throttling"), ""},
		{"unknown error", 400, errBody("Sender", "Nope"), `code "Nope" is neither`},
		{"5xx is the receiver's", 500, errBody("Sender", "InternalFailure"), `want Receiver`},
	}
	opts := Options{CommonErrors: map[string][]int{"Throttling": {400}, "InternalFailure": {500}}}
	for _, tc := range cases {
		got := m.Check(Query, Answer{Operation: "DescribeThings", Status: tc.status, Header: header("text/xml"), Body: []byte(tc.body)}, opts)
		assertProblems(t, tc.name, got, tc.want)
	}
}

func TestJSONChecks(t *testing.T) {
	t.Parallel()
	m, err := Load("testdata/data", "toyjson", "2021-01-01")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		status int
		body   string
		want   string
	}{
		{"conforming", 200, `{"Thing":{"Name":"n","Version":2,"Modified":1717243200.5,"Kind":"A","Labels":["x"]}}`, ""},
		{"unknown member", 200, `{"Thing":{"Name":"n","Extra":1}}`, "Thing/Extra: member outside the model"},
		{"required", 200, `{"Thing":{"Version":1}}`, "required member Name is missing"},
		{"integer", 200, `{"Thing":{"Name":"n","Version":1.5}}`, "is not an integer"},
		{"string timestamp", 200, `{"Thing":{"Name":"n","Modified":"2025-06-01T00:00:00Z"}}`, "not an epoch-seconds number"},
		{"enum", 200, `{"Thing":{"Name":"n","Kind":"C"}}`, `"C" is not a value of enum Kind`},
		{"null", 200, `{"Thing":{"Name":"n","Kind":null}}`, "null"},
		{"list", 200, `{"Thing":{"Name":"n","Labels":"x"}}`, "is not an array"},
		{"modeled error", 400, `{"__type":"ThingMissing","message":"gone"}`, ""},
		{"error with namespace", 400, `{"__type":"com.toy#ThingMissing","message":"gone"}`, ""},
		{"unknown error member", 400, `{"__type":"ThingMissing","reason":"x"}`, "reason: member outside the error shape"},
		{"unknown error", 400, `{"__type":"Nope","message":"x"}`, `code "Nope" is neither`},
	}
	for _, tc := range cases {
		got := m.Check(JSON, Answer{Operation: "GetThing", Status: tc.status, Header: header("application/x-amz-json-1.1"), Body: []byte(tc.body)}, Options{})
		assertProblems(t, tc.name, got, tc.want)
	}
	if got := m.Check(JSON, Answer{Operation: "GetThing", Status: 200, Header: header("application/json"), Body: []byte(`{}`)}, Options{}); len(got) != 1 {
		t.Errorf("content type: %v", got)
	}
}

func assertProblems(t *testing.T, name string, got []string, want string) {
	t.Helper()
	if want == "" {
		if len(got) > 0 {
			t.Errorf("%s: conforming answer refused: %v", name, got)
		}
		return
	}
	for _, p := range got {
		if strings.Contains(p, want) {
			return
		}
	}
	t.Errorf("%s: want a problem containing %q, got %v", name, want, got)
}

// A model stored gzipped, as botocore ships most of them, loads the same.
func TestLoadGzip(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	raw, err := os.ReadFile("testdata/data/toyjson/2021-01-01/service-2.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "toyjson", "2021-01-01"), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, "toyjson", "2021-01-01", "service-2.json.gz"))
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(f)
	if _, err := zw.Write(raw); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	m, err := Load(dir, "toyjson", "")
	if err != nil {
		t.Fatal(err)
	}
	if m.Protocol != JSON || m.JSONVersion != "1.1" || m.Operations["GetThing"] == nil {
		t.Errorf("model = %+v", m)
	}
	if _, err := Load(dir, "nope", ""); err == nil {
		t.Error("a missing service loads")
	}
}
