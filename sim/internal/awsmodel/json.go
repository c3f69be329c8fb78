package awsmodel

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
)

// The JSON protocol (awsJson1_0, awsJson1_1): the output structure as a
// JSON object keyed by member name (or locationName), timestamps as epoch
// seconds unless the model says otherwise; errors as {"__type", "message"}
// plus the error shape's own members.

func (c *checker) json(op *Operation, a Answer) {
	want := "application/x-amz-json-" + c.m.JSONVersion
	if ct := a.Header.Get("Content-Type"); ct != want {
		c.bad("header", "Content-Type %q, the model's is %s", ct, want)
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(a.Body))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		c.bad("body", "not JSON: %v", err)
		return
	}
	if dec.More() {
		c.bad("body", "more than one JSON value")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		c.bad("body", "not a JSON object")
		return
	}
	if a.Status >= 300 {
		c.jsonError(op, a, obj)
		return
	}
	if a.Status != 200 {
		c.bad("status", "success answered with HTTP %d", a.Status)
	}
	if op.Output == "" {
		if len(obj) > 0 {
			c.bad("body", "%s returns nothing, answered %d members", op.Name, len(obj))
		}
		return
	}
	c.jsonValue("", &Ref{Shape: op.Output}, obj)
}

func (c *checker) jsonError(op *Operation, a Answer, obj map[string]any) {
	typ, _ := obj["__type"].(string)
	if typ == "" {
		c.bad("__type", "an error answer needs __type")
		return
	}
	code := trimType(typ)
	if h := a.Header.Get("X-Amzn-Errortype"); h != "" && trimType(h) != code {
		c.bad("header", "X-Amzn-ErrorType %q disagrees with __type %q", h, typ)
	}
	c.errorStatus(op, code, a.Status)
	var members map[string]*Ref
	if s := c.m.errorCode(op, code); s != nil {
		members = s.Members
	}
	for k, v := range obj {
		switch {
		case k == "__type":
		case strings.EqualFold(k, "message"):
			if _, ok := v.(string); !ok {
				c.bad(k, "message is not a string")
			}
		case members[k] != nil:
			c.jsonValue(k, members[k], v)
		default:
			c.bad(k, "member outside the error shape")
		}
	}
}

// jsonValue checks a decoded JSON value against a shape.
func (c *checker) jsonValue(path string, r *Ref, v any) {
	s := c.m.Shapes[r.Shape]
	if v == nil {
		c.bad(path, "null (omit absent members)")
		return
	}
	switch s.Type {
	case "structure":
		obj, ok := v.(map[string]any)
		if !ok {
			c.bad(path, "structure %s is not an object", s.Name)
			return
		}
		byName := map[string]string{}
		for mn, mr := range s.Members {
			byName[c.m.name(mr, mn)] = mn
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			mn, ok := byName[k]
			if !ok {
				c.bad(join(path, k), "member outside the model (shape %s)", s.Name)
				continue
			}
			c.jsonValue(join(path, k), s.Members[mn], obj[k])
		}
		for _, req := range s.Required {
			if _, ok := obj[c.m.name(s.Members[req], req)]; !ok {
				c.bad(path, "required member %s is missing (shape %s)", req, s.Name)
			}
		}
	case "list":
		arr, ok := v.([]any)
		if !ok {
			c.bad(path, "list %s is not an array", s.Name)
			return
		}
		for i, e := range arr {
			c.jsonValue(fmt.Sprintf("%s[%d]", path, i), s.Member, e)
		}
	case "map":
		obj, ok := v.(map[string]any)
		if !ok {
			c.bad(path, "map %s is not an object", s.Name)
			return
		}
		for k, e := range obj {
			c.jsonValue(join(path, k)+"(key)", s.Key, k)
			c.jsonValue(join(path, k), s.Value, e)
		}
	case "string", "blob":
		str, ok := v.(string)
		if !ok {
			c.bad(path, "%s is not a string", s.Name)
			return
		}
		c.scalarText(path, r, s, str, JSON)
	case "boolean":
		if _, ok := v.(bool); !ok {
			c.bad(path, "%v is not a JSON boolean", v)
		}
	case "integer", "long":
		n, ok := v.(json.Number)
		if !ok {
			c.bad(path, "%v is not a number", v)
			return
		}
		if _, err := n.Int64(); err != nil {
			c.bad(path, "%s is not an integer", n)
		}
	case "double", "float":
		if _, ok := v.(json.Number); !ok {
			c.bad(path, "%v is not a number", v)
		}
	case "timestamp":
		c.jsonTimestamp(path, r, v)
	default:
		c.bad(path, "unknown shape type %s", s.Type)
	}
}

// jsonTimestamp checks a JSON timestamp: epoch seconds (a number) unless
// the model gives another format.
func (c *checker) jsonTimestamp(path string, r *Ref, v any) {
	switch format := c.m.timestampFormat(r); format {
	case "", "unixTimestamp":
		n, ok := v.(json.Number)
		if !ok {
			c.bad(path, "%v is not an epoch-seconds number", v)
			return
		}
		f, err := n.Float64()
		if err != nil || math.IsNaN(f) || f < 0 {
			c.bad(path, "%s is not an epoch-seconds timestamp", n)
		}
	default:
		str, ok := v.(string)
		if !ok {
			c.bad(path, "%v is not a %s timestamp string", v, format)
			return
		}
		c.timestamp(path, r, str, JSON)
	}
}
