package awsmodel

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Answer is one HTTP answer of a service to check.
type Answer struct {
	// Operation is the action the request named ("" when it named none of
	// the service's: then the answer must be a common error).
	Operation string
	Status    int
	Header    http.Header
	Body      []byte
}

// Options are what a check accepts beyond the model.
type Options struct {
	// CommonErrors are the error codes any action may answer, with the
	// HTTP statuses each may carry (AWS's "Common Errors" pages).
	CommonErrors map[string][]int
	// ExtraEnum are values of an enum shape (by shape name) that the AWS
	// documentation lists although the model's enum does not.
	ExtraEnum map[string][]string
}

// Check validates an answer against the model in protocol p (usually the
// model's own; a service may answer in another of its protocols). It
// returns one line per problem, each naming where it is; none means the
// answer conforms.
func (m *Model) Check(p Protocol, a Answer, o Options) []string {
	c := &checker{m: m, o: o}
	op := m.Operations[a.Operation]
	switch {
	case a.Operation == "" && a.Status < 300:
		return []string{"a success answer needs an operation"}
	case a.Operation == "":
		// An answer to a request that named no action of the service
		// (unknown or missing action, malformed request): only the
		// common errors apply.
		op = &Operation{Name: "(no operation)"}
	case op == nil:
		return []string{fmt.Sprintf("%s: no such operation in the %s model", a.Operation, m.Service)}
	}
	if a.Header.Get("X-Amzn-Requestid") == "" {
		c.bad("header", "x-amzn-RequestId is missing")
	}
	switch p {
	case Query:
		c.query(op, a)
	case JSON:
		c.json(op, a)
	default:
		c.bad("protocol", "the checker does not speak %q", p)
	}
	return c.problems
}

type checker struct {
	m        *Model
	o        Options
	problems []string
}

func (c *checker) bad(path, format string, args ...any) {
	c.problems = append(c.problems, path+": "+fmt.Sprintf(format, args...))
}

// errorStatus checks an error answer's code and status against op's
// modeled errors and the common errors; it returns whether the fault side
// is the sender's.
func (c *checker) errorStatus(op *Operation, code string, status int) (sender bool) {
	if s := c.m.errorCode(op, code); s != nil {
		if status != s.Error.HTTPStatusCode {
			c.bad("Error", "%s is modeled with HTTP %d, answered with %d", code, s.Error.HTTPStatusCode, status)
		}
		return status < 500
	}
	statuses, ok := c.o.CommonErrors[code]
	switch {
	case !ok:
		c.bad("Error", "code %q is neither an error of %s in the model nor a common error", code, op.Name)
	case !slices.Contains(statuses, status):
		c.bad("Error", "common error %s comes with HTTP %v, answered with %d", code, statuses, status)
	}
	return status < 500
}

// enum checks an enum value.
func (c *checker) enum(path string, s *Shape, v string) {
	if len(s.Enum) == 0 || slices.Contains(s.Enum, v) || slices.Contains(c.o.ExtraEnum[s.Name], v) {
		return
	}
	c.bad(path, "%q is not a value of enum %s %v", v, s.Name, s.Enum)
}

// scalar checks the text of a scalar (XML) or its JSON value: what is
// allowed depends on the protocol only for timestamps and numbers.
func (c *checker) scalarText(path string, r *Ref, s *Shape, text string, p Protocol) {
	switch s.Type {
	case "string":
		c.enum(path, s, text)
	case "integer", "long":
		if _, err := strconv.ParseInt(text, 10, 64); err != nil {
			c.bad(path, "%q is not an integer (%s)", text, s.Name)
		}
	case "double", "float":
		if _, err := strconv.ParseFloat(text, 64); err != nil {
			c.bad(path, "%q is not a number (%s)", text, s.Name)
		}
	case "boolean":
		if text != "true" && text != "false" {
			c.bad(path, "%q is not true or false", text)
		}
	case "timestamp":
		c.timestamp(path, r, text, p)
	case "blob":
		if _, err := base64.StdEncoding.DecodeString(text); err != nil {
			c.bad(path, "blob is not base64: %v", err)
		}
	default:
		c.bad(path, "%s is a %s, not a scalar", s.Name, s.Type)
	}
}

// timestamp checks a timestamp written as text: ISO 8601 in Query unless
// the model says otherwise (botocore's default for query and rest-xml).
func (c *checker) timestamp(path string, r *Ref, text string, p Protocol) {
	format := c.m.timestampFormat(r)
	if format == "" && p == Query {
		format = "iso8601"
	}
	switch format {
	case "iso8601":
		if _, err := time.Parse(time.RFC3339Nano, text); err != nil {
			c.bad(path, "%q is not an ISO 8601 timestamp", text)
		}
	case "unixTimestamp", "":
		if _, err := strconv.ParseFloat(text, 64); err != nil {
			c.bad(path, "%q is not an epoch-seconds timestamp", text)
		}
	case "rfc822":
		if _, err := time.Parse(time.RFC1123, text); err != nil {
			c.bad(path, "%q is not an RFC 822 timestamp", text)
		}
	default:
		c.bad(path, "unknown timestamp format %q", format)
	}
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "/" + name
}

func trimType(code string) string {
	// JSON error types may carry a namespace (aws.protocoltests#Code) and
	// a suffix after ':' (Code:http://...): clients drop both.
	if i := strings.LastIndex(code, "#"); i >= 0 {
		code = code[i+1:]
	}
	if i := strings.Index(code, ":"); i >= 0 {
		code = code[:i]
	}
	return code
}

// CheckUnrouted validates an answer to a request no service could take (no
// SigV4 credential scope, or a service that is not there): it must be an
// error envelope of the protocol its Content-Type names, in no service's
// namespace, with a common error code.
func CheckUnrouted(a Answer, o Options) []string {
	m := &Model{Service: "(no service)", Operations: map[string]*Operation{}, Shapes: map[string]*Shape{}}
	if a.Status < 300 {
		return []string{"an unrouted request was answered with success"}
	}
	ct := a.Header.Get("Content-Type")
	if v, ok := strings.CutPrefix(ct, "application/x-amz-json-"); ok {
		m.Protocol, m.JSONVersion = JSON, v
	} else {
		m.Protocol = Query
	}
	a.Operation = ""
	return m.Check(m.Protocol, a, o)
}
