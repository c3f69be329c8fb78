package awsapi

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// args reads a cloud.Call's arguments into an SDK input, and says which
// arguments were not read: an argument that no input field takes would be
// shown in the plan and journaled but never sent, so it is refused before
// the call is made.
type args struct {
	m    map[string]string
	used map[string]bool
	errs []string
}

func newArgs(m map[string]string) *args { return &args{m: m, used: map[string]bool{}} }

func (a *args) get(name string) (string, bool) {
	a.used[name] = true
	v, ok := a.m[name]
	return v, ok && v != ""
}

// str is a required string argument.
func (a *args) str(name string) *string {
	v, ok := a.get(name)
	if !ok {
		a.errs = append(a.errs, name+" is missing")
		return nil
	}
	return aws.String(v)
}

// opt is an optional string argument (nil: AWS's default applies).
func (a *args) opt(name string) *string {
	if v, ok := a.get(name); ok {
		return aws.String(v)
	}
	return nil
}

func (a *args) boolp(name string) *bool {
	v, ok := a.get(name)
	if !ok {
		return nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		a.errs = append(a.errs, fmt.Sprintf("%s=%q is not a boolean", name, v))
		return nil
	}
	return aws.Bool(b)
}

func (a *args) int32p(name string) *int32 {
	v, ok := a.get(name)
	if !ok {
		return nil
	}
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil {
		a.errs = append(a.errs, fmt.Sprintf("%s=%q is not a 32-bit integer", name, v))
		return nil
	}
	return aws.Int32(int32(n))
}

// list is a comma-separated list argument.
func (a *args) list(name string) []string {
	v, ok := a.get(name)
	if !ok {
		return nil
	}
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// check reports the missing, malformed and unknown arguments.
func (a *args) check() error {
	errs := a.errs
	for _, k := range slices.Sorted(maps.Keys(a.m)) {
		if !a.used[k] {
			errs = append(errs, k+" is not an argument of this action")
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("invalid arguments: %s", strings.Join(errs, "; "))
}

// optString is nil for "" so that an unset field is omitted, not sent empty.
func optString(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}
