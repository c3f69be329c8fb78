package awsapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"drorch/cloud"
)

// markerWorld answers DescribeGlobalClusters over 250 global clusters,
// 100 a page, with markers that stop being accepted once expire is called
// (as an endpoint whose markers do not outlive their listing would).
type markerWorld struct {
	mu              sync.Mutex
	gen             int
	calls, refusals int
}

func (w *markerWorld) expire() { w.mu.Lock(); w.gen++; w.mu.Unlock() }

func (w *markerWorld) counts() (int, int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.calls, w.refusals
}

func (w *markerWorld) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.Form.Get("Action") != "DescribeGlobalClusters" {
		http.Error(rw, "unexpected request", http.StatusBadRequest)
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.calls++
	rw.Header().Set("Content-Type", "text/xml")
	start := 0
	if m := r.Form.Get("Marker"); m != "" {
		gen, off, _ := strings.Cut(m, "-")
		if gen != strconv.Itoa(w.gen) {
			w.refusals++
			rw.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(rw, `<ErrorResponse><Error><Type>Sender</Type><Code>InvalidParameterValue</Code><Message>Invalid marker</Message></Error></ErrorResponse>`)
			return
		}
		start, _ = strconv.Atoi(off)
	}
	var b strings.Builder
	b.WriteString(`<DescribeGlobalClustersResponse><DescribeGlobalClustersResult><GlobalClusters>`)
	for i := start; i < min(start+100, 250); i++ {
		fmt.Fprintf(&b, `<GlobalClusterMember><GlobalClusterIdentifier>gc-%03d</GlobalClusterIdentifier><GlobalClusterArn>arn:aws:rds::123456789012:global-cluster:gc-%03d</GlobalClusterArn><Status>available</Status></GlobalClusterMember>`, i, i)
	}
	b.WriteString(`</GlobalClusters>`)
	if start+100 < 250 {
		fmt.Fprintf(&b, `<Marker>%d-%d</Marker>`, w.gen, start+100)
	}
	b.WriteString(`</DescribeGlobalClustersResult></DescribeGlobalClustersResponse>`)
	fmt.Fprint(rw, b.String())
}

// TestListingResumesWhereItFoundThem: a listing of global clusters starts
// at the page where the first of them was found last time and stops at the
// page where the last was; one that misses a resource reads the pages
// before the remembered one, not those after it again; ids read along come
// from those pages only (all of them, found or gone, once the whole
// account was listed); a refused remembered marker is listed again from
// the start, and markers are then never remembered again for that
// endpoint.
func TestListingResumesWhereItFoundThem(t *testing.T) {
	t.Parallel()
	t.Run("resume, refusal, whole listing", func(t *testing.T) {
		t.Parallel()
		runListingSteps(t, []listingStep{
			{name: "two of the second page, one along on it and one on the third",
				ids: []string{"gc-150", "gc-151"}, along: []string{"gc-160", "gc-240"}, calls: 2, read: []string{"gc-160"}},
			{name: "the same again: from the second page", ids: []string{"gc-150", "gc-151"}, calls: 1},
			{name: "markers expired: refused, then from the start", expire: true, ids: []string{"gc-150", "gc-151"}, calls: 3, refusals: 1},
			{name: "never resumed again", ids: []string{"gc-150", "gc-151"}, calls: 2},
			{name: "to the end: every id along is known, found or gone",
				ids: []string{"gc-248", "gc-249"}, along: []string{"gc-000", "gc-gone"}, calls: 3, read: []string{"gc-000", "gc-gone"}},
		})
	})
	t.Run("one gone", func(t *testing.T) {
		t.Parallel()
		runListingSteps(t, []listingStep{
			{name: "three of the second page", ids: []string{"gc-150", "gc-151", "gc-152"}, calls: 2},
			{name: "one of them gone: from their page to the end, then the first page, not the second again",
				ids: []string{"gc-150", "gc-151", "gc-gone"}, along: []string{"gc-010"}, calls: 3, read: []string{"gc-010"}},
			{name: "and from the second page still", ids: []string{"gc-150", "gc-151", "gc-152"}, calls: 1},
		})
	})
}

type listingStep struct {
	name            string
	expire          bool
	ids, along      []string
	calls, refusals int
	read            []string // along ids known after the read
}

func runListingSteps(t *testing.T, steps []listingStep) {
	w := &markerWorld{}
	srv := httptest.NewServer(w)
	t.Cleanup(srv.Close)
	reads := newClients(t, srv.URL, nil).Reads()
	ctx := context.Background()
	calls, refusals := 0, 0
	for _, step := range steps {
		if step.expire {
			w.expire()
		}
		found, read, err := reads.ReadAlong(ctx, cloud.GlobalClusters.Name, "us-east-1", step.ids, step.along)
		if err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		c, r := w.counts()
		if c-calls != step.calls || r-refusals != step.refusals {
			t.Errorf("%s: %d calls (%d refused), want %d (%d refused)", step.name, c-calls, r-refusals, step.calls, step.refusals)
		}
		calls, refusals = c, r
		for _, id := range step.ids {
			if found[id] == nil && id != "gc-gone" {
				t.Errorf("%s: %s not found", step.name, id)
			}
		}
		slices.Sort(read)
		if !slices.Equal(read, step.read) {
			t.Errorf("%s: read along %v, want %v", step.name, read, step.read)
		}
		for _, id := range step.along {
			if _, ok := found[id]; ok != (slices.Contains(step.read, id) && id != "gc-gone") {
				t.Errorf("%s: %s found %t", step.name, id, ok)
			}
		}
	}
}
