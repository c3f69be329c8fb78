package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultURL is where `drorch sim` listens unless told otherwise.
const DefaultURL = "http://127.0.0.1:4566"

// Client talks to a running simulator's admin API (/_sim/). `drorch sim
// fault ...` and drorch's own tests use it.
type Client struct {
	// BaseURL is the simulator's endpoint, e.g. http://127.0.0.1:4566.
	BaseURL string
	// HTTP is the client used (default: one with a 10 s timeout).
	HTTP *http.Client
}

// NewClient returns a Client for the simulator at baseURL.
func NewClient(baseURL string) *Client {
	return &Client{BaseURL: strings.TrimRight(baseURL, "/"), HTTP: &http.Client{Timeout: 10 * time.Second}}
}

// Health checks that the simulator answers and returns its virtual time.
func (c *Client) Health(ctx context.Context) (time.Time, error) {
	var out struct {
		Now time.Time `json:"now"`
	}
	err := c.do(ctx, http.MethodGet, "/_sim/health", nil, &out)
	return out.Now, err
}

// State returns the world at the simulator's virtual now.
func (c *Client) State(ctx context.Context) (State, error) {
	var st State
	err := c.do(ctx, http.MethodGet, "/_sim/state", nil, &st)
	return st, err
}

// SetFault adds a fault and returns it with its id.
func (c *Client) SetFault(ctx context.Context, f Fault) (Fault, error) {
	var out Fault
	err := c.do(ctx, http.MethodPost, "/_sim/faults", f, &out)
	return out, err
}

// Faults lists the active faults.
func (c *Client) Faults(ctx context.Context) ([]Fault, error) {
	var out []Fault
	err := c.do(ctx, http.MethodGet, "/_sim/faults", nil, &out)
	return out, err
}

// ClearFaults removes every fault.
func (c *Client) ClearFaults(ctx context.Context) error {
	return c.do(ctx, http.MethodDelete, "/_sim/faults", nil, nil)
}

// ClearFault removes one fault by id.
func (c *Client) ClearFault(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, "/_sim/faults/"+url.PathEscape(id), nil, nil)
}

// Calls returns the call counts and the mutating-call log.
func (c *Client) Calls(ctx context.Context) (CallLog, error) {
	var out CallLog
	err := c.do(ctx, http.MethodGet, "/_sim/calls", nil, &out)
	return out, err
}

// ResetCalls forgets the call counts and log.
func (c *Client) ResetCalls(ctx context.Context) error {
	return c.do(ctx, http.MethodDelete, "/_sim/calls", nil, nil)
}

// Ops returns the operation log.
func (c *Client) Ops(ctx context.Context) ([]Op, error) {
	var out []Op
	err := c.do(ctx, http.MethodGet, "/_sim/ops", nil, &out)
	return out, err
}

// Messages returns the SNS messages published so far.
func (c *Client) Messages(ctx context.Context) ([]Message, error) {
	var out []Message
	err := c.do(ctx, http.MethodGet, "/_sim/sns", nil, &out)
	return out, err
}

// Advance skips d of virtual time.
func (c *Client) Advance(ctx context.Context, d time.Duration) error {
	return c.do(ctx, http.MethodPost, "/_sim/advance", map[string]float64{"seconds": d.Seconds()}, nil)
}

// CallerInfo is the principal the simulator answers STS as, and every
// principal of its account.
type CallerInfo struct {
	ARN        string   `json:"arn"`
	Principals []string `json:"principals"`
}

// Caller returns the current caller and the principals.
func (c *Client) Caller(ctx context.Context) (CallerInfo, error) {
	var out CallerInfo
	err := c.do(ctx, http.MethodGet, "/_sim/caller", nil, &out)
	return out, err
}

// SetCaller makes the principal arn the caller.
func (c *Client) SetCaller(ctx context.Context, arn string) error {
	return c.do(ctx, http.MethodPut, "/_sim/caller", map[string]string{"arn": arn}, nil)
}

// PutPrincipal adds a principal with its policies, or replaces one.
func (c *Client) PutPrincipal(ctx context.Context, p ScenarioPrincipal) error {
	return c.do(ctx, http.MethodPut, "/_sim/principals", p, nil)
}

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("simulator %s %s: encode: %w", method, path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, body)
	if err != nil {
		return fmt.Errorf("simulator %s %s: %w", method, path, err)
	}
	if method != http.MethodGet {
		// The simulator takes admin writes only as JSON (see guardWrites).
		req.Header.Set("Content-Type", "application/json")
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("simulator %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("simulator %s %s: read answer: %w", method, path, err)
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(data, &e) == nil && e.Error != "" {
			return fmt.Errorf("simulator %s %s: %s (HTTP %d)", method, path, e.Error, resp.StatusCode)
		}
		return fmt.Errorf("simulator %s %s: HTTP %d (is %s a drorch simulator?)", method, path, resp.StatusCode, c.BaseURL)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("simulator %s %s: decode answer: %w", method, path, err)
	}
	return nil
}
