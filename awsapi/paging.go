package awsapi

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"drorch/cloud"
)

// maxPages bounds a listing so that a server handing out fresh tokens
// forever cannot hold drorch in a loop.
const maxPages = 10000

// errRepeatedToken stops a listing whose server handed back a token it had
// already given: following it would loop forever.
var errRepeatedToken = errors.New("pagination token repeated")

// pages calls page with nil and then with each token page returns, until a
// page returns no token, and returns how many pages it read. Each page is
// its own API call (own timeout).
func pages(ctx context.Context, page func(ctx context.Context, token *string) (*string, error)) (int, error) {
	return pagesFrom(ctx, nil, page)
}

// pagesFrom is pages starting at the page of token start (nil: the first).
func pagesFrom(ctx context.Context, start *string, page func(ctx context.Context, token *string) (*string, error)) (int, error) {
	seen := map[string]bool{}
	token := start
	for n := 0; n < maxPages; n++ {
		next, err := page(ctx, token)
		if err != nil {
			return n, err
		}
		if next == nil || *next == "" {
			return n + 1, nil
		}
		if seen[*next] {
			return n + 1, fmt.Errorf("page %d: %w", n+1, errRepeatedToken)
		}
		seen[*next] = true
		token = next
	}
	return maxPages, fmt.Errorf("more than %d pages", maxPages)
}

// chunks splits ids into groups of at most n, dropping empty and repeated
// ids (a filter value given twice is wasted space in a 100-value call).
func chunks(ids []string, n int) [][]string {
	seen := map[string]bool{}
	var out [][]string
	var cur []string
	for _, id := range ids {
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		cur = append(cur, id)
		if len(cur) == n {
			out = append(out, cur)
			cur = nil
		}
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// summary names a few ids for an error message.
func summary(ids []string) string {
	const show = 3
	if len(ids) <= show {
		return strings.Join(ids, ", ")
	}
	return fmt.Sprintf("%s (+%d more)", strings.Join(ids[:show], ", "), len(ids)-show)
}

// notFound is the error for a describe that answered without the resource
// (an emulator that ignores the identifier, or a list that came back empty).
func notFound(service, action, region, what string) *cloud.APIError {
	return &cloud.APIError{
		Service: service, Action: action, Region: region,
		Kind: cloud.KindNotFound, Message: what + " not found",
	}
}
