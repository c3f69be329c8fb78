package engine

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"drorch/cloud"
	"drorch/internal/clock"
)

// registered waits (without a clock) until n waits are registered.
func registered(rr *rounds, n int) {
	for {
		rr.mu.Lock()
		got := len(rr.waiters)
		rr.mu.Unlock()
		if got >= n {
			return
		}
		time.Sleep(time.Millisecond) // goroutines registering; no clock involved
	}
}

// TestRoundsAlignToTheTick: N waits due anywhere within the same tick's
// half-second either side are served by one round, with one batched call
// per kind and region, whatever N is; a wait due in the next tick gets the
// next round.
func TestRoundsAlignToTheTick(t *testing.T) {
	t.Parallel()
	for _, n := range []int{1, 7, 250} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			t.Parallel()
			c := clock.NewFake(t0)
			w := newWorld(c)
			for i := range n {
				w.addReplica("us-west-2", fmt.Sprintf("db-%d", i))
			}
			w.addReplica("eu-west-1", "e")
			w.addReplica("us-west-2", "late")
			rr := newRounds(c, w, w, time.Second)
			var rounds []Round
			var mu sync.Mutex
			rr.observe = func(r Round) { mu.Lock(); rounds = append(rounds, r); mu.Unlock() }
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			type got struct {
				id   string
				snap *snapshot
			}
			out := make(chan got, n+2)
			waitFor := func(id, region string, due time.Duration) {
				go func() {
					s, err := rr.wait(ctx, t0.Add(due), []cloud.Key{cloud.DBInstances.Key(region, id)})
					if err != nil {
						t.Error(err)
					}
					out <- got{id, s}
				}()
			}
			// Due from 9.5 s to 10.49 s: all the 10 s tick's.
			for i := range n {
				waitFor(fmt.Sprintf("db-%d", i), "us-west-2", 9500*time.Millisecond+time.Duration(i%99)*10*time.Millisecond)
			}
			waitFor("e", "eu-west-1", 10*time.Second)
			waitFor("late", "us-west-2", 10500*time.Millisecond) // the 11 s tick's
			registered(rr, n+2)
			go rr.run(ctx)
			for c.Waiters() == 0 {
				time.Sleep(time.Millisecond)
			}
			c.Advance(9900 * time.Millisecond)
			select {
			case g := <-out:
				t.Fatalf("%s was served at 9.9 s, before its tick", g.id)
			case <-time.After(20 * time.Millisecond):
			}
			c.Advance(100 * time.Millisecond)
			first := map[*snapshot]int{}
			for range n + 1 {
				g := <-out
				if g.id == "late" {
					t.Fatal("the wait due at 10.5 s was served by the 10 s round")
				}
				first[g.snap]++
			}
			if len(first) != 1 {
				t.Fatalf("%d waits due within one tick were served by %d rounds, want 1", n+1, len(first))
			}
			if _, batch, direct, _ := w.stats(); batch != 2 || direct != 0 {
				t.Errorf("%d batch and %d direct reads for one round over two regions, want 2 and 0", batch, direct)
			}
			for c.Waiters() == 0 {
				time.Sleep(time.Millisecond)
			}
			c.Advance(time.Second)
			if g := <-out; g.id != "late" {
				t.Errorf("the 11 s round served %s, want late", g.id)
			}
			mu.Lock()
			defer mu.Unlock()
			want := []Round{{At: t0.Add(10 * time.Second), Served: n + 1, Keys: n + 1}, {At: t0.Add(11 * time.Second), Served: 1, Keys: 1}}
			if fmt.Sprint(rounds) != fmt.Sprint(want) {
				t.Errorf("rounds %v, want %v", rounds, want)
			}
		})
	}
}

func TestRoundsSlot(t *testing.T) {
	t.Parallel()
	rr := newRounds(clock.NewFake(t0), nil, nil, time.Second)
	ms := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }
	cases := []struct {
		name     string
		due, now time.Time
		want     time.Time
	}{
		{"a second after a round's decision: that round's next tick", ms(1150), ms(150), ms(1000)},
		{"two seconds after", ms(2150), ms(150), ms(2000)},
		{"due just before a tick's half", ms(1499), ms(100), ms(1000)},
		{"due at a tick's half: the later tick", ms(1500), ms(100), ms(2000)},
		{"due now, on a tick", ms(3000), ms(3000), ms(3000)},
		{"due now, between ticks: the next", ms(3200), ms(3200), ms(4000)},
		{"nearest tick already past: the next", ms(3400), ms(3300), ms(4000)},
	}
	for _, tc := range cases {
		if got := rr.slot(tc.due, tc.now); !got.Equal(tc.want) {
			t.Errorf("%s: slot(due %s, now %s) = %s, want %s", tc.name, tc.due.Sub(t0), tc.now.Sub(t0), got.Sub(t0), tc.want.Sub(t0))
		}
	}
}

// TestSnapshotFallsThroughOnce: a read inside a round of a key nobody
// watched is read directly once and remembered for the round.
func TestSnapshotFallsThroughOnce(t *testing.T) {
	t.Parallel()
	c := clock.NewFake(t0)
	w := newWorld(c)
	w.addReplica("us-west-2", "a")
	w.addReplica("us-west-2", "d")
	s := newSnapshot(w)
	ctx := context.Background()
	s.fetch(ctx, w, []cloud.Key{cloud.DBInstances.Key("us-west-2", "a")})
	r := reader{s}
	for range 3 {
		if _, err := cloud.DBInstances.Get(ctx, r, "us-west-2", "d"); err != nil {
			t.Fatal(err)
		}
	}
	if _, batch, direct, _ := w.stats(); batch != 1 || direct != 1 {
		t.Errorf("%d batch and %d direct reads, want 1 and 1", batch, direct)
	}
}

// alongWorld is a world whose batched reads can read along, as far as the
// ids asked for cover it: here, those along named "cheap-".
type alongWorld struct{ *world }

func (a alongWorld) ReadAlong(ctx context.Context, kind cloud.Kind, region string, ids, along []string) (map[string]any, []string, error) {
	var read []string
	for _, id := range along {
		if strings.HasPrefix(id, "cheap-") {
			read = append(read, id)
		}
	}
	found, err := a.ReadBatch(ctx, kind, region, append(append([]string(nil), ids...), read...))
	return found, read, err
}

// TestCarriedKeys: the next layer's keys are read by a round only with a
// kind and region it reads for its waiters anyway (the same call), never
// on their own; with a reader that reads along, only as far as the calls
// of its waiters cover them (the next layer's opening reads the rest).
// Either way the round makes its one call.
func TestCarriedKeys(t *testing.T) {
	t.Parallel()
	west := func(id string) cloud.Key { return cloud.DBInstances.Key("us-west-2", id) }
	for _, tc := range []struct {
		name          string
		along         bool // the reader reads along
		carried       []cloud.Key
		read, notRead []cloud.Key
	}{
		{name: "ride along with the round's kind and region only",
			carried: []cloud.Key{west("next-same"), cloud.DBInstances.Key("eu-west-1", "next-other")},
			read:    []cloud.Key{west("next-same")}, notRead: []cloud.Key{cloud.DBInstances.Key("eu-west-1", "next-other")}},
		{name: "cost no call with a reader that reads along", along: true,
			carried: []cloud.Key{west("cheap-next"), west("dear-next")},
			read:    []cloud.Key{west("cheap-next")}, notRead: []cloud.Key{west("dear-next")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := clock.NewFake(t0)
			w := newWorld(c)
			w.addReplica("us-west-2", "waiting")
			for _, k := range tc.carried {
				w.addReplica(k.Region, k.ID)
			}
			var b cloud.BatchReader = w
			if tc.along {
				b = alongWorld{w}
			}
			rr := newRounds(c, b, w, time.Second)
			rr.carry(tc.carried)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go rr.run(ctx)
			s, err := rr.wait(ctx, t0, []cloud.Key{west("waiting")})
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range tc.read {
				if e, ok := s.get(k); !ok || e.val == nil {
					t.Errorf("%s: not read with the round's call", k)
				}
			}
			for _, k := range tc.notRead {
				if _, ok := s.get(k); ok {
					t.Errorf("%s: in the round's snapshot, as if read", k)
				}
			}
			if _, batch, direct, _ := w.stats(); batch != 1 || direct != 0 {
				t.Errorf("%d batch and %d direct reads, want the round's one", batch, direct)
			}
		})
	}
}
