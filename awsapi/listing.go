package awsapi

import (
	"context"
	"fmt"
	"sync"

	"drorch/cloud"
)

// A listed kind is one AWS describes by a single identifier at most, or
// lists page by page: global clusters (DescribeGlobalClusters: "Currently,
// the only supported filter is region", RDS API reference) and global
// datastores (DescribeGlobalReplicationGroups). A round reads the
// resources it watches of such a kind
//
//   - one by one when they are fewer than the pages a listing takes;
//   - otherwise by listing, from where the first of them was found last
//     time: RDS and ElastiCache take a marker "provided by a previous
//     request" and answer "only records beyond the marker" (API
//     references, Marker). A listing resumed there that misses one of
//     them reads the pages before that one too, and an endpoint that
//     refuses a remembered marker is listed from the start from then on;
//   - up to the page where the last of them was found, not to the end.
//
// Ids read along (the next layer's, see cloud.AlongReader) are taken from
// the pages read anyway, never worth a page of their own.
type lister[T any] struct {
	key  string // kind and region, for the memory of listings
	what string // "global clusters", for errors
	// describe describes the resource id, or (id nil) reads the page of
	// the listing at marker (nil: the first) and the next marker.
	describe func(ctx context.Context, id, marker *string) ([]T, *string, error)
	ident    func(*T) (id, arn string)
}

// read returns the resources of ids and along found, and which of along
// are known (found, or absent from a whole listing).
func (l lister[T]) read(ctx context.Context, c *Clients, region string, ids, along []string) (map[string]any, []string, error) {
	m := newMatcher(ids)
	m.also(along)
	ctx = withWant(ctx, append(append([]string(nil), ids...), along...))
	if c.lists.cheaperByID(l.key, len(ids)) {
		for _, id := range ids {
			items, _, err := l.describe(ctx, &id, nil)
			if cloud.IsKind(err, cloud.KindNotFound) {
				continue // gone: absent from the result
			}
			if err != nil {
				return nil, nil, fmt.Errorf("describe %s %s in %s: %w", l.what, id, region, err)
			}
			for i := range items {
				l.add(m, &items[i])
			}
		}
		return m.found, m.alongFound(), nil
	}
	resume, resumable := c.lists.resumeAt(l.key)
	var first *string // the marker of the first page with one of ids
	firstSet := false
	total := 0
	// scan reads from the page at start until every id is found or the
	// listing ends (end), or it comes to the page at stop, read already.
	scan := func(start, stop *string) (end, stopped bool, err error) {
		n, err := pagesFrom(ctx, start, func(ctx context.Context, marker *string) (*string, error) {
			if stop != nil && marker != nil && *marker == *stop {
				stopped = true
				return nil, nil
			}
			items, next, err := l.describe(ctx, nil, marker)
			if err != nil {
				return nil, err
			}
			hit := false
			for i := range items {
				hit = l.add(m, &items[i]) || hit
			}
			if hit && !firstSet {
				first, firstSet = marker, true
			}
			if next == nil || *next == "" {
				end = true
			}
			if m.complete() {
				return nil, nil // every resource asked for is read: no more pages
			}
			return next, nil
		})
		if stopped {
			n-- // the page at stop was not read again
		}
		total += n
		return end, stopped, err
	}
	end, _, err := scan(resume, nil)
	whole := resume == nil && end // every page read, in one listing
	if err != nil && resume != nil && cloud.IsKind(err, cloud.KindInvalidInput) {
		// A remembered marker refused: this endpoint's markers do not
		// outlive their listing. List from the start, now and later.
		c.lists.noResume(l.key)
		err, end, resume = nil, false, nil
	}
	if err == nil && !m.complete() && (resume != nil || !end) {
		// Missed from the remembered page on (or refused there): from the
		// start, up to that page at most, read already (when this
		// endpoint's markers repeat).
		f, fSet := first, firstSet
		first, firstSet = nil, false
		var stopped bool
		tail := end
		end, stopped, err = scan(nil, resume)
		whole = end || stopped && tail
		if !firstSet { // none before the remembered page: it stays
			first, firstSet = f, fSet
		}
	}
	if err != nil {
		return nil, nil, fmt.Errorf("list %s in %s: %w", l.what, region, err)
	}
	if resumable {
		c.lists.resumeFrom(l.key, first)
	}
	c.lists.took(l.key, total)
	if whole {
		return m.found, along, nil // the whole account listed: the rest are gone
	}
	return m.found, m.alongFound(), nil
}

// add records v and reports whether it is one of the ids asked for.
func (l lister[T]) add(m *matcher, v *T) bool {
	id, arn := l.ident(v)
	return m.add(v, id, arn)
}

// listing remembers, per kind and region, how many pages the last listing
// took (to the page where the last resource asked for was found), so that
// a round describes few resources one by one when that is cheaper, and
// the marker of the page where the first of them was found.
type listing struct {
	mu       sync.Mutex
	pages    map[string]int
	resume   map[string]*string
	noMarker map[string]bool // endpoints whose markers did not outlive their listing
}

func (l *listing) cheaperByID(key string, n int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	pages, known := l.pages[key]
	return known && n < pages || !known && n == 1
}

func (l *listing) took(key string, pages int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.pages == nil {
		l.pages = map[string]int{}
	}
	l.pages[key] = max(pages, 1)
}

// resumeAt is the marker to start the next listing of key at (nil: the
// start), and whether markers may be remembered for it.
func (l *listing) resumeAt(key string) (*string, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.resume[key], !l.noMarker[key]
}

func (l *listing) resumeFrom(key string, marker *string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.noMarker[key] {
		return
	}
	if l.resume == nil {
		l.resume = map[string]*string{}
	}
	l.resume[key] = marker
}

func (l *listing) noResume(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.noMarker == nil {
		l.noMarker = map[string]bool{}
	}
	l.noMarker[key] = true
	delete(l.resume, key)
}
