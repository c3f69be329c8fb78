package sim_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/smithy-go/encoding/cbor"
)

// Hostile or malformed CloudWatch requests get a clean error in the
// protocol they came in, never a panic.
func TestCloudWatchWireErrors(t *testing.T) {
	t.Parallel()
	s := newSeedSim(t)
	az := auth("us-west-2", "monitoring")
	const path = "/service/GraniteServiceVersion20100801/operation/"
	rpc := map[string]string{"Smithy-Protocol": "rpc-v2-cbor", "Content-Type": "application/cbor"}
	json10 := func(op string) map[string]string {
		return map[string]string{"X-Amz-Target": "GraniteServiceVersion20100801." + op, "Content-Type": "application/x-amz-json-1.0"}
	}
	cases := []struct {
		name, target string
		header       map[string]string
		body         string
		status       int
		typ, query   string
	}{
		{"cbor garbage", path + "GetMetricData", rpc, "\xff\x00\x13", 400, "SerializationException", "SerializationException;Sender"},
		{"cbor not a map", path + "GetMetricData", rpc, string(cbor.Encode(cbor.List{cbor.Uint(1)})), 400, "SerializationException", ""},
		{"cbor wrong type", path + "GetMetricStatistics", rpc, string(cbor.Encode(cbor.Map{"Namespace": cbor.Uint(3)})), 400, "SerializationException", ""},
		{"cbor bad time", path + "GetMetricData", rpc, string(cbor.Encode(cbor.Map{"StartTime": &cbor.Tag{ID: 1, Value: cbor.Float64(1e300)}})), 400, "SerializationException", ""},
		{"cbor unknown op", path + "PutMetricData", rpc, "", 404, "UnknownOperationException", ""},
		{"cbor no protocol header", path + "GetMetricData", map[string]string{"Content-Type": "application/cbor"}, "", 404, "UnknownOperationException", ""},
		{"cbor missing times", path + "GetMetricData", rpc, string(cbor.Encode(cbor.Map{})), 400, "com.amazonaws.cloudwatch#MissingRequiredParameterException", "MissingParameter;Sender"},
		{"json garbage", "/", json10("GetMetricData"), "{", 400, "SerializationException", ""},
		{"json unknown op", "/", json10("DeleteAlarms"), "{}", 400, "UnknownOperationException", ""},
		{"json start after end", "/", json10("GetMetricStatistics"), `{"StartTime": 20, "EndTime": 10}`, 400,
			"com.amazonaws.cloudwatch#InvalidParameterValueException", "InvalidParameterValue;Sender"},
		{"json too many queries", "/", json10("GetMetricData"),
			`{"StartTime": 1, "EndTime": 2, "MetricDataQueries": [` + strings.TrimSuffix(strings.Repeat(`{"Id":"a"},`, 501), ",") + `]}`, 400,
			"com.amazonaws.cloudwatch#InvalidParameterValueException", ""},
	}
	for _, tc := range cases {
		rec := serve(s, http.MethodPost, tc.target, az, tc.header, tc.body)
		var typ string
		if strings.HasPrefix(rec.Header().Get("Content-Type"), "application/cbor") {
			v, err := cbor.Decode(rec.Body.Bytes())
			m, _ := v.(cbor.Map)
			if err != nil || m == nil {
				t.Errorf("%s: undecodable CBOR error body %q", tc.name, rec.Body.String())
				continue
			}
			if s, ok := m["__type"].(cbor.String); ok {
				typ = string(s)
			}
		} else {
			var m map[string]string
			if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
				t.Errorf("%s: undecodable JSON error body %q", tc.name, rec.Body.String())
				continue
			}
			typ = m["__type"]
		}
		if rec.Code != tc.status || typ != tc.typ || tc.query != "" && rec.Header().Get("X-Amzn-Query-Error") != tc.query {
			t.Errorf("%s: %d %s (%s), want %d %s (%s)", tc.name, rec.Code, typ, rec.Header().Get("X-Amzn-Query-Error"), tc.status, tc.typ, tc.query)
		}
	}
}
