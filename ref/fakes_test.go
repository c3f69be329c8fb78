package ref

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"drorch/cloud"
)

// fakeExports serves pages of exports per region and counts its calls.
type fakeExports struct {
	mu    sync.Mutex
	pages map[string][][]Export // region -> pages
	calls map[string]int        // region -> ListExports calls
	err   error                 // returned by every call when set
	loop  bool                  // always answer with a fresh next token
	same  bool                  // always answer with the same next token
}

func newFakeExports(region string, exports []Export, perPage int) *fakeExports {
	f := &fakeExports{pages: map[string][][]Export{}, calls: map[string]int{}}
	for i := 0; i < len(exports); i += perPage {
		f.pages[region] = append(f.pages[region], exports[i:min(i+perPage, len(exports))])
	}
	return f
}

func (f *fakeExports) ListExports(ctx context.Context, region, token string) ([]Export, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[region]++
	if f.err != nil {
		return nil, "", f.err
	}
	i := 0
	if token != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(token, "page-"))
		if err != nil {
			return nil, "", fmt.Errorf("invalid token %q", token)
		}
		i = n
	}
	switch {
	case f.loop:
		return nil, "page-" + strconv.Itoa(i+1), nil
	case f.same:
		return nil, "page-0", nil
	}
	pages := f.pages[region]
	if i > len(pages) || i == len(pages) && i > 0 {
		return nil, "", fmt.Errorf("invalid token %q", token)
	}
	if len(pages) == 0 {
		return nil, "", nil
	}
	next := ""
	if i+1 < len(pages) {
		next = "page-" + strconv.Itoa(i+1)
	}
	return pages[i], next, nil
}

func (f *fakeExports) callCount(region string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[region]
}

// fakeParameters is an SSM of one version per parameter (plus older
// versions when listed), answering not-found the way the AWS adapter does.
type fakeParameters struct {
	mu        sync.Mutex
	params    map[string][]Parameter // region + "\x00" + name -> versions, oldest first
	calls     map[string]int         // name as asked -> calls
	err       error
	noDecrypt bool // set when a call asked without decryption
}

func newFakeParameters(region string, params ...Parameter) *fakeParameters {
	f := &fakeParameters{params: map[string][]Parameter{}, calls: map[string]int{}}
	for _, p := range params {
		k := region + "\x00" + p.Name
		f.params[k] = append(f.params[k], p)
	}
	return f
}

func (f *fakeParameters) GetParameter(ctx context.Context, region, name string, withDecryption bool) (Parameter, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[name]++
	if !withDecryption {
		f.noDecrypt = true
	}
	if f.err != nil {
		return Parameter{}, f.err
	}
	base, version := name, int64(0)
	if i := strings.LastIndex(name, ":"); i > 0 {
		if v, err := strconv.ParseInt(name[i+1:], 10, 64); err == nil {
			base, version = name[:i], v
		}
	}
	versions := f.params[region+"\x00"+base]
	if len(versions) == 0 {
		return Parameter{}, &cloud.APIError{Service: "ssm", Action: "GetParameter", Region: region,
			Kind: cloud.KindNotFound, Code: "ParameterNotFound", Message: "parameter " + base + " not found"}
	}
	p := versions[len(versions)-1]
	if version > 0 {
		found := false
		for _, v := range versions {
			if v.Version == version {
				p, found = v, true
			}
		}
		if !found {
			return Parameter{}, &cloud.APIError{Service: "ssm", Action: "GetParameter", Region: region,
				Kind: cloud.KindNotFound, Code: "ParameterVersionNotFound", Message: "version not found"}
		}
	}
	if p.Type == TypeSecureString && !withDecryption {
		p.Value = "AQICAHencrypted"
	}
	return p, nil
}

func (f *fakeParameters) callCount(name string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[name]
}
