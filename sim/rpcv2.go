package sim

import (
	"bytes"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"
)

// The Smithy RPC v2 CBOR protocol, which the current aws-sdk-go-v2
// CloudWatch client (service/cloudwatch v1.76) and botocore 1.43 (so boto3
// and the AWS CLI v1) send for CloudWatch: botocore takes the first
// protocol of the model's `protocols` list it supports, and CloudWatch's
// model lists smithy-rpc-v2-cbor first, then json and query.
//
//	POST /service/GraniteServiceVersion20100801/operation/GetMetricData
//	Smithy-Protocol: rpc-v2-cbor
//	Content-Type: application/cbor
//
// The body is one CBOR map of the input's members; timestamps are tag 1
// (epoch seconds). Errors carry {"__type", "message"}; CloudWatch is
// @awsQueryCompatible, so an error also names its Query code in the
// x-amzn-query-error header ("InvalidNextToken;Sender"), which both SDKs
// prefer over __type. Spec: https://smithy.io/2.0/additional-specs/protocols/smithy-rpc-v2.html
// ; the codec is smithy-go's encoding/cbor.

// rpcHandler answers one RPC v2 operation: in is the decoded request map
// (empty when the request had no body), the result is the output map.
type rpcHandler func(c *call, in cbor.Map) (cbor.Map, *apiError)

// rpcService is the RPC v2 side of a service.
type rpcService struct {
	// name is the Smithy service shape name in the request path.
	name string
	// namespace prefixes error shape names in __type.
	namespace string
	ops       map[string]rpcHandler
	// errShapes maps a Query error code to the error shape that carries it
	// (InvalidParameterValue -> InvalidParameterValueException); codes
	// without a shape are sent as they are.
	errShapes map[string]string
}

// parseRPC finds the operation of an RPC v2 request from its path.
func (c *call) parseRPC(r *http.Request) *apiError {
	rpc := c.svc.rpc
	if !strings.EqualFold(r.Header.Get("Smithy-Protocol"), "rpc-v2-cbor") {
		return newErr("UnknownOperationException", 404,
			"drorch sim serves %s over the Smithy RPC v2 CBOR protocol only (Smithy-Protocol: rpc-v2-cbor).", c.svc.name)
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
	if len(c.body) > 0 {
		v, err := cbor.Decode(c.body)
		if err != nil {
			return newErr("SerializationException", 400, "The request body is not valid CBOR: %v.", err)
		}
		m, ok := v.(cbor.Map)
		if !ok {
			return newErr("SerializationException", 400, "The request body must be a CBOR map, not %T.", v)
		}
		in = m
	}
	out, aerr := c.svc.rpc.ops[c.action](c, in)
	if aerr != nil {
		return aerr
	}
	buf.Write(cbor.Encode(out))
	return nil
}

// writeRPC sends an RPC v2 answer: the success body, or aerr.
func writeRPC(rw http.ResponseWriter, svc *service, aerr *apiError, body []byte, reqID string) {
	h := rw.Header()
	h.Set("x-amzn-RequestId", reqID)
	h.Set("Smithy-Protocol", "rpc-v2-cbor")
	h.Set("Content-Type", "application/cbor")
	status := http.StatusOK
	if aerr != nil {
		status = aerr.Status
		typ := aerr.Code
		if shape, ok := svc.rpc.errShapes[aerr.Code]; ok {
			typ = svc.rpc.namespace + "#" + shape
		}
		fault := "Sender"
		if !aerr.sender() {
			fault = "Receiver"
		}
		h.Set("x-amzn-query-error", aerr.Code+";"+fault)
		body = cbor.Encode(cbor.Map{"__type": cbor.String(typ), "message": cbor.String(aerr.Message)})
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	rw.WriteHeader(status)
	_, _ = rw.Write(body)
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
	if tag, isTag := v.(*cbor.Tag); isTag && tag.ID == 1 {
		if f, err := cbor.AsFloat64(tag.Value); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) && math.Abs(f) < 1e12 {
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
