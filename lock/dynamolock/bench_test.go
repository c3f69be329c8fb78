package dynamolock_test

import (
	"context"
	"fmt"
	"testing"

	"drorch/internal/clock"
	"drorch/lock"
)

// BenchmarkAcquireRelease2000 takes and gives back the locks of a run of
// 1,000 resources (about 2,000 keys: 20 transactions each way) on the
// simulator over loopback HTTP, and reports keys per second.
func BenchmarkAcquireRelease2000(b *testing.B) {
	be := simBackend(b)
	l := lock.New(be.lockTable(b), lock.Settings{Clock: clock.NewFake(t0)})
	keys := keysN("db", 2000)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		lease, err := l.Acquire(ctx, lock.Request{Keys: keys, Holder: holder(fmt.Sprint("run-", i)), TTL: ttl})
		if err != nil {
			b.Fatal(err)
		}
		if err := lease.Renew(ctx); err != nil {
			b.Fatal(err)
		}
		if err := lease.Release(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(keys)*b.N)/b.Elapsed().Seconds(), "keys/s")
}
