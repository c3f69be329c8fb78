package cloud

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Call is one mutating AWS call. The step that makes it declares it as a
// value: the plan shows that value, the journal records it as the intent
// before it is made, and an Executor makes exactly it. Args holds every
// argument sent, by its AWS API name; lists are comma-separated, booleans
// "true"/"false", numbers in decimal.
type Call struct {
	Service string            `json:"service"`
	Action  string            `json:"action"`
	Region  string            `json:"region"`
	Args    map[string]string `json:"args,omitempty"`
	// Target names the resource the call acts on, for messages (NewCall
	// takes the first argument's value).
	Target string `json:"-"`
}

// String is the call as plans and journals show it:
// "rds SwitchoverGlobalCluster in us-west-2 (A=1, B=2)", arguments sorted.
func (c Call) String() string {
	keys := slices.Sorted(maps.Keys(c.Args))
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+"="+c.Args[k])
	}
	return fmt.Sprintf("%s %s in %s (%s)", c.Service, c.Action, c.Region, strings.Join(parts, ", "))
}

// NewCall builds a call from alternating argument names and values; an
// empty value leaves its argument out (AWS's default applies). The first
// argument names the resource acted on.
func NewCall(service, action, region string, kv ...string) Call {
	args := make(map[string]string, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			args[kv[i]] = kv[i+1]
		}
	}
	c := Call{Service: service, Action: action, Region: region, Args: args}
	if len(kv) > 1 {
		c.Target = kv[1]
	}
	return c
}

// Result is what AWS answered to a call that succeeded.
type Result struct {
	// RequestID is AWS's id of the request, for the journal and support cases.
	RequestID string
}

// Executor makes mutating calls. It tries each exactly once: a call whose
// outcome is unknown (a timeout, a reset connection) is judged by reading
// state afterwards, never repeated blindly. Only the engine holds an
// Executor; handlers declare calls and never make them.
type Executor interface {
	Execute(ctx context.Context, c Call) (Result, error)
}

// Identity tells who drorch runs as.
type Identity interface {
	// Caller is the account and partition of the credentials in use, asked
	// in region.
	Caller(ctx context.Context, region string) (Caller, error)
}

// Caller is an AWS principal: its account, its partition (aws, aws-cn,
// aws-us-gov) and its ARN.
type Caller struct {
	Account   string
	Partition string
	ARN       string
}
