package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"hash/crc32"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxBody bounds a request body; AWS Query and JSON requests are far smaller.
const maxBody = 1 << 20

// queryHandler answers a Query action by writing the inside of its
// <ActionResult> element, or returns the AWS error to send instead.
type queryHandler func(c *call, w xw) *apiError

// jsonHandler answers a JSON action with the value to marshal.
type jsonHandler func(c *call) (any, *apiError)

// service is one simulated AWS service, keyed by its SigV4 signing name.
type service struct {
	name    string
	version string // Query Version
	ns      string // Query XML namespace
	json    bool
	// jsonVersion is the JSON protocol version: "1.1" (default) or "1.0".
	jsonVersion string
	// errType gives a JSON error's __type for its code (nil: the code).
	errType func(code string) string
	target  string // JSON X-Amz-Target prefix (before the '.')
	// maxBody is the service's largest request body (0: maxBody).
	maxBody int64
	query   map[string]queryHandler
	jsonOps map[string]jsonHandler
	rpc     *rpcService // Smithy RPC v2 CBOR (rpcv2.go)
}

// call is one API request on its way through a handler. Handlers run with
// the Sim's lock held and the world advanced to now.
type call struct {
	sim    *Sim
	w      *world
	region string
	svc    *service
	action string
	p      *params // Query parameters
	body   []byte  // JSON body
	reqID  string
	tgt    string // main resource named by a JSON handler, for the call log
	// rpcJSON: an rpc service's call came in JSON 1.0, not CBOR (rpcv2.go).
	rpcJSON bool
}

// TimeHeader and SpeedHeader are on every response: the simulator's virtual
// time when the request arrived (RFC 3339, nanoseconds, UTC) and how many
// virtual seconds pass per real second. A client times what it sees on
// this clock (drorch's recovery times are the simulated AWS's, not the
// compressed wall time); AWS itself sends neither.
const (
	TimeHeader  = "X-Drorch-Sim-Time"
	SpeedHeader = "X-Drorch-Sim-Speed"
)

// ServeHTTP answers AWS API requests, and the admin API under /_sim/.
func (s *Sim) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	rw.Header().Set(TimeHeader, s.Now().UTC().Format(time.RFC3339Nano))
	rw.Header().Set(SpeedHeader, strconv.FormatFloat(s.speed, 'g', -1, 64))
	if r.URL.Path == "/_sim" || strings.HasPrefix(r.URL.Path, "/_sim/") {
		s.admin.ServeHTTP(rw, r)
		return
	}
	s.serveAPI(rw, r)
}

func (s *Sim) serveAPI(rw http.ResponseWriter, r *http.Request) {
	reqID := s.nextRequestID()
	jsonish := r.Header.Get("X-Amz-Target") != ""
	region, svcName, aerr := credentialScope(r)
	if aerr != nil {
		writeError(rw, nil, jsonish, aerr, reqID)
		return
	}
	svc := s.services[svcName]
	if svc == nil {
		writeError(rw, nil, jsonish, newErr("InvalidAction", 400,
			"drorch sim does not simulate the %q service (simulated: %s).", truncate(svcName, 40), serviceNames()), reqID)
		return
	}
	if !s.w.validRegion(region) { // w.regions never changes after New
		writeError(rw, svc, svc.json, errInvalidRegion(svc.json, region), reqID)
		return
	}
	// The service comes from the headers (or the presigned URL), so that
	// even an error about the body is answered in the service's envelope.
	limit := int64(maxBody)
	if svc.maxBody > 0 {
		limit = svc.maxBody
	}
	body, err := io.ReadAll(http.MaxBytesReader(rw, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(rw, svc, svc.json, newErr("RequestEntityTooLarge", 413, "Request body is larger than %d bytes.", limit), reqID)
		} else {
			writeError(rw, svc, svc.json, newErr("IncompleteBody", 400, "The request body could not be read."), reqID)
		}
		return
	}
	c := &call{sim: s, region: region, svc: svc, body: body, reqID: reqID}
	if aerr := c.parse(r); aerr != nil {
		if svc.rpc != nil {
			c.writeRPC(rw, aerr, nil)
			return
		}
		writeError(rw, svc, svc.json, aerr, reqID)
		return
	}
	s.handle(rw, r, c)
}

// parse finds the action (and for Query, the parameters) of a call.
func (c *call) parse(r *http.Request) *apiError {
	if c.svc.rpc != nil {
		return c.parseRPC(r)
	}
	if c.svc.json {
		prefix, op, ok := strings.Cut(r.Header.Get("X-Amz-Target"), ".")
		if !ok || prefix != c.svc.target || c.svc.jsonOps[op] == nil {
			return newErr("UnknownOperationException", 400, "Unknown operation %q.", truncate(r.Header.Get("X-Amz-Target"), 64))
		}
		c.action = op
		return nil
	}
	vals, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return errMalformedQuery("The query string is not valid URL encoding.")
	}
	if r.Method == http.MethodPost {
		form, err := url.ParseQuery(string(c.body))
		if err != nil {
			return errMalformedQuery("The request body is not valid form encoding.")
		}
		for k, v := range form {
			if _, dup := vals[k]; !dup {
				vals[k] = v
			}
		}
	}
	p, aerr := parseQuery(vals)
	if aerr != nil {
		return aerr
	}
	c.p = p
	c.action = p.str("Action")
	switch {
	case c.action == "":
		return newErr("MissingAction", 400, "The request must contain the parameter Action.")
	case c.svc.query[c.action] == nil:
		return newErr("InvalidAction", 400, "The action %s is not valid for this web service.", truncate(c.action, 64))
	case !p.has("Version"):
		return errMissingParam("Version")
	case p.str("Version") != c.svc.version:
		// An action is looked up in the API version the request names; the
		// simulator knows one version per service.
		return newErr("InvalidAction", 400, "Could not find operation %s for version %s.", truncate(c.action, 64), truncate(p.str("Version"), 32))
	}
	return nil
}

// handle applies faults, then runs the action against the world.
func (s *Sim) handle(rw http.ResponseWriter, r *http.Request, c *call) {
	target := c.target()
	s.mu.Lock()
	s.countCall(c)
	for logged := false; ; logged = true {
		f, down := s.outage(c.region, c.svc.name, c.action)
		if !down {
			break
		}
		if !logged {
			s.logMutating(c, target, s.virtualNow(), 0, "RegionOutage:"+f.Mode)
		}
		if f.Mode == ModeRefuse {
			s.mu.Unlock()
			s.logCall(c, 0, "refused")
			abortConn(rw)
			return
		}
		changed := s.faultsChanged
		s.held++
		s.mu.Unlock()
		release := func() { s.mu.Lock(); s.held--; s.mu.Unlock() }
		select {
		case <-r.Context().Done():
			// The client gave up, or the server is shutting down: either
			// way no answer goes out.
			release()
			s.logCall(c, 0, "hung until the client gave up")
			abortConn(rw)
			return
		case <-s.closed:
			release()
			abortConn(rw)
			return
		case <-changed:
		}
		release()
		s.mu.Lock()
	}
	var buf bytes.Buffer
	buf.Grow(16 << 10) // most answers fit; a page of 100 grows it a few times
	s.sync()
	aerr := s.injected(c.region, c.svc, c.action)
	if aerr == nil {
		c.w = s.w
		aerr = c.run(&buf)
	}
	status, code := http.StatusOK, ""
	if aerr != nil {
		status, code = aerr.Status, aerr.Code
	}
	s.logMutating(c, c.target(), s.w.now, status, code)
	s.mu.Unlock()
	s.logCall(c, status, code)
	if c.svc.rpc != nil {
		c.writeRPC(rw, aerr, buf.Bytes())
		return
	}
	if aerr != nil {
		writeError(rw, c.svc, c.svc.json, aerr, c.reqID)
		return
	}
	h := rw.Header()
	h.Set("x-amzn-RequestId", c.reqID)
	h.Set("Content-Type", c.svc.contentType())
	setCRC32(h, c.svc, buf.Bytes())
	// AWS answers with a known length rather than chunked.
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	rw.WriteHeader(http.StatusOK)
	_, _ = rw.Write(buf.Bytes())
}

// run executes the action and writes its success body into buf.
func (c *call) run(buf *bytes.Buffer) *apiError {
	if c.svc.rpc != nil {
		return c.runRPC(buf)
	}
	if c.svc.json {
		v, aerr := c.svc.jsonOps[c.action](c)
		if aerr != nil {
			return aerr
		}
		enc := json.NewEncoder(buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			return newErr("InternalFailure", 500, "encode response: %v", err)
		}
		return nil
	}
	w := xw{buf}
	buf.WriteString(`<` + c.action + `Response xmlns="` + c.svc.ns + `">`)
	w.open(c.action + "Result")
	if aerr := c.svc.query[c.action](c, w); aerr != nil {
		buf.Reset()
		return aerr
	}
	w.close(c.action + "Result")
	w.open("ResponseMetadata")
	w.str("RequestId", c.reqID)
	w.close("ResponseMetadata")
	w.close(c.action + "Response")
	return nil
}

// target names the call's main resource for the call log.
func (c *call) target() string {
	if c.tgt != "" {
		return c.tgt
	}
	if c.p == nil {
		return ""
	}
	for _, name := range []string{"GlobalClusterIdentifier", "GlobalReplicationGroupId", "DBClusterIdentifier",
		"DBInstanceIdentifier", "ReplicationGroupId", "TopicArn", "TargetArn"} {
		if v := c.p.str(name); v != "" {
			return truncate(v, 256)
		}
	}
	return ""
}

// credentialScope reads region and service from the SigV4 credential scope
// of the Authorization header or of a presigned URL's X-Amz-Credential.
func credentialScope(r *http.Request) (region, service string, err *apiError) {
	var cred string
	if auth := r.Header.Get("Authorization"); auth != "" {
		_, rest, ok := strings.Cut(auth, "Credential=")
		if !ok {
			return "", "", newErr("IncompleteSignature", 400, "Authorization header requires 'Credential' parameter (SigV4: Credential=AKID/date/region/service/aws4_request).")
		}
		cred, _, _ = strings.Cut(rest, ",")
	} else if q, perr := url.ParseQuery(r.URL.RawQuery); perr == nil && q.Get("X-Amz-Credential") != "" {
		cred = q.Get("X-Amz-Credential")
	} else {
		return "", "", newErr("MissingAuthenticationToken", 403,
			"Request is missing Authentication Token: drorch sim routes each request by the region and service of its SigV4 credential scope; sign requests (any access key works).")
	}
	parts := strings.Split(strings.TrimSpace(cred), "/")
	if len(parts) != 5 || parts[2] == "" || parts[3] == "" || parts[4] != "aws4_request" {
		return "", "", newErr("IncompleteSignature", 400, "Credential scope %q is not AKID/date/region/service/aws4_request.", truncate(cred, 80))
	}
	return parts[2], parts[3], nil
}

// contentType is the service's answer content type.
func (s *service) contentType() string {
	if !s.json {
		return "text/xml"
	}
	if s.jsonVersion != "" {
		return "application/x-amz-json-" + s.jsonVersion
	}
	return "application/x-amz-json-1.1"
}

// writeError sends an AWS error in the service's protocol: the Query
// ErrorResponse envelope, or a JSON body with __type. svc is nil when the
// request named no known service; jsonProto then says how it looked.
func writeError(rw http.ResponseWriter, svc *service, jsonProto bool, e *apiError, reqID string) {
	h := rw.Header()
	h.Set("x-amzn-RequestId", reqID)
	ns := ""
	if svc != nil {
		ns = svc.ns
	}
	if jsonProto {
		ct, typ := "application/x-amz-json-1.1", e.Code
		if svc != nil {
			ct = svc.contentType()
			if svc.errType != nil {
				typ = svc.errType(e.Code)
			}
		}
		body := map[string]any{"__type": typ}
		for k, v := range e.Extra {
			body[k] = v
		}
		mk := e.MessageKey
		if mk == "" {
			mk = "message"
		}
		body[mk] = e.Message
		var out bytes.Buffer
		enc := json.NewEncoder(&out)
		enc.SetEscapeHTML(false) // AWS sends <, > and & as they are
		if err := enc.Encode(body); err != nil {
			out.Reset()
			out.WriteString(`{"__type":"InternalFailure"}`)
		}
		data := bytes.TrimSuffix(out.Bytes(), []byte("\n"))
		h.Set("Content-Type", ct)
		h.Set("X-Amzn-ErrorType", e.Code)
		setCRC32(h, svc, data)
		h.Set("Content-Length", strconv.Itoa(len(data)))
		rw.WriteHeader(e.Status)
		_, _ = rw.Write(data)
		return
	}
	var buf bytes.Buffer
	w := xw{&buf}
	if ns != "" {
		buf.WriteString(`<ErrorResponse xmlns="` + ns + `">`)
	} else {
		buf.WriteString(`<ErrorResponse>`)
	}
	w.open("Error")
	if e.sender() {
		w.str("Type", "Sender")
	} else {
		w.str("Type", "Receiver")
	}
	w.str("Code", e.Code)
	w.str("Message", e.Message)
	w.close("Error")
	w.str("RequestId", reqID)
	w.close("ErrorResponse")
	h.Set("Content-Type", "text/xml")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	rw.WriteHeader(e.Status)
	_, _ = rw.Write(buf.Bytes())
}

// setCRC32 adds the X-Amz-Crc32 header DynamoDB sends with every answer
// (the CRC32 of the body, which SDKs check when it is present).
func setCRC32(h http.Header, svc *service, body []byte) {
	if svc != nil && svc.name == "dynamodb" {
		h.Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10))
	}
}

// abortConn drops the connection without an answer: a reset (linger 0)
// when the connection can be hijacked, else net/http's abort.
func abortConn(rw http.ResponseWriter) {
	if hj, ok := rw.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			if tc, ok := conn.(*net.TCPConn); ok {
				_ = tc.SetLinger(0)
			}
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

func (s *Sim) logCall(c *call, status int, code string) {
	s.log.Debug("sim call", "region", c.region, "service", c.svc.name, "action", c.action, "status", status, "code", code)
}
