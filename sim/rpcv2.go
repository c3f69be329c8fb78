package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"
)

// CloudWatch's two JSON-shaped protocols. The current aws-sdk-go-v2
// CloudWatch client (service/cloudwatch v1.76) sends Smithy RPC v2 CBOR:
//
//	POST /service/GraniteServiceVersion20100801/operation/GetMetricData
//	Smithy-Protocol: rpc-v2-cbor
//	Content-Type: application/cbor
//
// botocore 1.43 (so boto3 and the AWS CLI v1) sends AWS JSON 1.0: it takes
// the first protocol of its own priority list (json, rest-json, rest-xml,
// smithy-rpc-v2-cbor, query) that the model's `protocols` list
// (smithy-rpc-v2-cbor, json, query) names:
//
//	POST /
//	X-Amz-Target: GraniteServiceVersion20100801.GetMetricData
//	Content-Type: application/x-amz-json-1.0
//	x-amzn-query-mode: true
//
// Both carry the same members: one map (a CBOR map or a JSON object);
// timestamps are epoch seconds (in CBOR under tag 1). The handlers work on
// the CBOR values; a JSON call is converted in and out. Errors carry
// {"__type", "message"}; CloudWatch is @awsQueryCompatible, so an error
// also names its Query code in x-amzn-query-error ("InvalidNextToken;Sender"),
// which both SDKs prefer over __type. Specs:
// https://smithy.io/2.0/additional-specs/protocols/smithy-rpc-v2.html and
// https://smithy.io/2.0/aws/protocols/aws-json-1_0-protocol.html ; the CBOR
// codec is smithy-go's encoding/cbor.

// rpcHandler answers one operation: in is the decoded request map (empty
// when the request had no body), the result is the output map.
type rpcHandler func(c *call, in cbor.Map) (cbor.Map, *apiError)

// rpcService is the RPC v2 CBOR / JSON 1.0 side of a service.
type rpcService struct {
	// name is the Smithy service shape name: in the RPC v2 path and before
	// the '.' of the JSON X-Amz-Target.
	name string
	// namespace prefixes error shape names in __type.
	namespace string
	ops       map[string]rpcHandler
	// errShapes maps a Query error code to the error shape that carries it
	// (InvalidParameterValue -> InvalidParameterValueException); codes
	// without a shape are sent as they are.
	errShapes map[string]string
}

// parseRPC finds the operation of an RPC v2 CBOR or JSON 1.0 request.
func (c *call) parseRPC(r *http.Request) *apiError {
	rpc := c.svc.rpc
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		c.rpcJSON = true
		prefix, op, _ := strings.Cut(target, ".")
		if prefix != rpc.name || rpc.ops[op] == nil {
			return newErr("UnknownOperationException", 400, "Unknown operation %q.", truncate(target, 128))
		}
		c.action = op
		return nil
	}
	if !strings.EqualFold(r.Header.Get("Smithy-Protocol"), "rpc-v2-cbor") {
		return newErr("UnknownOperationException", 404,
			"drorch sim serves %s over Smithy RPC v2 CBOR (Smithy-Protocol: rpc-v2-cbor) and AWS JSON 1.0 (X-Amz-Target) only.", c.svc.name)
	}
	if r.Method != http.MethodPost {
		return newErr("UnknownOperationException", 404, "RPC v2 operations are called with POST, not %s.", truncate(r.Method, 16))
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/service/"+rpc.name+"/operation/")
	if !ok || rpc.ops[rest] == nil {
		return newErr("UnknownOperationException", 404, "Unknown operation %q.", truncate(r.URL.Path, 128))
	}
	if len(c.body) > 0 && !strings.HasPrefix(r.Header.Get("Content-Type"), "application/cbor") {
		return newErr("UnknownOperationException", 404, "An RPC v2 CBOR request body must be sent as application/cbor.")
	}
	c.action = rest
	return nil
}

// runRPC decodes the request body, runs the operation and writes its
// encoded output into buf.
func (c *call) runRPC(buf *bytes.Buffer) *apiError {
	in := cbor.Map{}
	if len(bytes.TrimSpace(c.body)) > 0 {
		var v cbor.Value
		if c.rpcJSON {
			dec := json.NewDecoder(bytes.NewReader(c.body))
			dec.UseNumber()
			var j any
			if err := dec.Decode(&j); err != nil {
				return newErr("SerializationException", 400, "The request body is not valid JSON.")
			}
			v = jsonToCBOR(j)
		} else {
			var err error
			if v, err = cbor.Decode(c.body); err != nil {
				return newErr("SerializationException", 400, "The request body is not valid CBOR: %v.", err)
			}
		}
		m, ok := v.(cbor.Map)
		if !ok {
			return newErr("SerializationException", 400, "The request body must be a map of the operation's members.")
		}
		in = m
	}
	out, aerr := c.svc.rpc.ops[c.action](c, in)
	if aerr != nil {
		return aerr
	}
	if c.rpcJSON {
		if err := json.NewEncoder(buf).Encode(cborToJSON(out)); err != nil {
			return newErr("InternalFailure", 500, "encode response: %v", err)
		}
		return nil
	}
	buf.Write(cbor.Encode(out))
	return nil
}

// writeRPC sends the answer of an rpc call: the success body, or aerr.
func (c *call) writeRPC(rw http.ResponseWriter, aerr *apiError, body []byte) {
	h := rw.Header()
	h.Set("x-amzn-RequestId", c.reqID)
	contentType := "application/cbor"
	if c.rpcJSON {
		contentType = "application/x-amz-json-1.0"
	} else {
		h.Set("Smithy-Protocol", "rpc-v2-cbor")
	}
	h.Set("Content-Type", contentType)
	status := http.StatusOK
	if aerr != nil {
		status = aerr.Status
		typ := aerr.Code
		if shape, ok := c.svc.rpc.errShapes[aerr.Code]; ok {
			typ = c.svc.rpc.namespace + "#" + shape
		}
		fault := "Sender"
		if !aerr.sender() {
			fault = "Receiver"
		}
		h.Set("x-amzn-query-error", aerr.Code+";"+fault)
		if c.rpcJSON {
			body, _ = json.Marshal(map[string]string{"__type": typ, "message": aerr.Message})
		} else {
			body = cbor.Encode(cbor.Map{"__type": cbor.String(typ), "message": cbor.String(aerr.Message)})
		}
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	rw.WriteHeader(status)
	_, _ = rw.Write(body)
}

// jsonToCBOR converts a decoded JSON value (numbers as json.Number) to the
// CBOR value RPC v2 would have sent, timestamps aside (rpcReader.time takes
// both forms).
func jsonToCBOR(v any) cbor.Value {
	switch x := v.(type) {
	case map[string]any:
		m := make(cbor.Map, len(x))
		for k, e := range x {
			m[k] = jsonToCBOR(e)
		}
		return m
	case []any:
		l := make(cbor.List, len(x))
		for i, e := range x {
			l[i] = jsonToCBOR(e)
		}
		return l
	case string:
		return cbor.String(x)
	case bool:
		return cbor.Bool(x)
	case json.Number:
		if n, err := x.Int64(); err == nil {
			if n < 0 {
				return cbor.NegInt(uint64(-n))
			}
			return cbor.Uint(uint64(n))
		}
		f, _ := x.Float64()
		return cbor.Float64(f)
	default:
		return &cbor.Nil{}
	}
}

// cborToJSON converts an output value to JSON: timestamps (tag 1) become
// epoch seconds, as JSON 1.0 sends them.
func cborToJSON(v cbor.Value) any {
	switch x := v.(type) {
	case cbor.Map:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = cborToJSON(e)
		}
		return m
	case cbor.List:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = cborToJSON(e)
		}
		return l
	case *cbor.Tag:
		return cborToJSON(x.Value)
	case cbor.String:
		return string(x)
	case cbor.Bool:
		return bool(x)
	case cbor.Float64:
		return float64(x)
	case cbor.Uint:
		return uint64(x)
	case cbor.NegInt:
		return -int64(x)
	default:
		return nil
	}
}

// cborTime is a timestamp as RPC v2 sends it: tag 1 around epoch seconds
// (fractional, millisecond precision).
func cborTime(t time.Time) cbor.Value {
	return &cbor.Tag{ID: 1, Value: cbor.Float64(float64(t.UnixMilli()) / 1000)}
}

// rpcReader reads typed members out of decoded CBOR, keeping the first
// type error so that a handler can read everything and check once.
type rpcReader struct{ err *apiError }

func (r *rpcReader) bad(path, want string, v cbor.Value) {
	if r.err == nil {
		r.err = newErr("SerializationException", 400, "Member %s must be %s, not %T.", truncate(path, 128), want, v)
	}
}

// get returns a member, treating CBOR null as absent.
func get(m cbor.Map, k string) (cbor.Value, bool) {
	v, ok := m[k]
	if !ok {
		return nil, false
	}
	switch v.(type) {
	case *cbor.Nil, *cbor.Undefined:
		return nil, false
	}
	return v, true
}

func (r *rpcReader) str(m cbor.Map, k, path string) (string, bool) {
	v, ok := get(m, k)
	if !ok {
		return "", false
	}
	s, isStr := v.(cbor.String)
	if !isStr {
		r.bad(path, "a string", v)
		return "", false
	}
	return string(s), true
}

func (r *rpcReader) boolean(m cbor.Map, k, path string) (value, present bool) {
	v, ok := get(m, k)
	if !ok {
		return false, false
	}
	b, isBool := v.(cbor.Bool)
	if !isBool {
		r.bad(path, "a boolean", v)
		return false, false
	}
	return bool(b), true
}

func (r *rpcReader) integer(m cbor.Map, k, path string) (int64, bool) {
	v, ok := get(m, k)
	if !ok {
		return 0, false
	}
	n, err := cbor.AsInt64(v)
	if err != nil {
		r.bad(path, "an integer", v)
		return 0, false
	}
	return n, true
}

func (r *rpcReader) time(m cbor.Map, k, path string) (time.Time, bool) {
	v, ok := get(m, k)
	if !ok {
		return time.Time{}, false
	}
	num := v // JSON 1.0 sends a bare number
	if tag, isTag := v.(*cbor.Tag); isTag && tag.ID == 1 {
		num = tag.Value
	}
	if _, isTag := num.(*cbor.Tag); !isTag {
		if f, err := cbor.AsFloat64(num); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) && math.Abs(f) < 1e12 {
			sec, frac := math.Modf(f)
			return time.Unix(int64(sec), int64(math.Round(frac*1e3))*int64(time.Millisecond)).UTC(), true
		}
	}
	r.bad(path, "a timestamp (tag 1, epoch seconds)", v)
	return time.Time{}, false
}

func (r *rpcReader) list(m cbor.Map, k, path string) cbor.List {
	v, ok := get(m, k)
	if !ok {
		return nil
	}
	l, isList := v.(cbor.List)
	if !isList {
		r.bad(path, "a list", v)
		return nil
	}
	return l
}

func (r *rpcReader) structure(m cbor.Map, k, path string) (cbor.Map, bool) {
	v, ok := get(m, k)
	if !ok {
		return nil, false
	}
	return r.asMap(v, path)
}

func (r *rpcReader) asMap(v cbor.Value, path string) (cbor.Map, bool) {
	mm, isMap := v.(cbor.Map)
	if !isMap {
		r.bad(path, "a structure", v)
		return nil, false
	}
	return mm, true
}

func (r *rpcReader) strings(m cbor.Map, k, path string) []string {
	var out []string
	for i, v := range r.list(m, k, path) {
		s, ok := v.(cbor.String)
		if !ok {
			r.bad(fmt.Sprintf("%s[%d]", path, i), "a string", v)
			return nil
		}
		out = append(out, string(s))
	}
	return out
}
