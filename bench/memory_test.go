package bench

import (
	"runtime"
	"runtime/metrics"
	"sync"
	"time"
)

// memStats is the memory a workload needed. The simulator runs in the same
// process, so the heap includes its world; BaseHeap, measured after a
// collection just before the workload, is that share.
type memStats struct {
	BaseHeap, PeakHeap uint64 // bytes in use by the heap (HeapInuse)
	// MaxRSS is the process's peak resident set since it started
	// (getrusage), so it also covers the workloads measured before.
	MaxRSS uint64
}

// memSampler samples the heap in use in a goroutine: runtime/metrics reads
// do not stop the world, so sampling often does not disturb the run.
type memSampler struct {
	quit chan struct{}
	wg   sync.WaitGroup
	mu   sync.Mutex
	st   memStats
}

func startMem(every time.Duration) *memSampler {
	runtime.GC()
	m := &memSampler{quit: make(chan struct{})}
	m.st.BaseHeap = heapInuse()
	m.st.PeakHeap = m.st.BaseHeap
	m.wg.Go(func() {
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			m.sample()
			select {
			case <-m.quit:
				return
			case <-tick.C:
			}
		}
	})
	return m
}

func (m *memSampler) sample() {
	h := heapInuse()
	m.mu.Lock()
	m.st.PeakHeap = max(m.st.PeakHeap, h)
	m.mu.Unlock()
}

// stop ends the sampling and returns what it saw.
func (m *memSampler) stop() memStats {
	close(m.quit)
	m.wg.Wait()
	m.sample()
	m.mu.Lock()
	defer m.mu.Unlock()
	st := m.st
	st.MaxRSS = maxRSS()
	return st
}

// heapInuse is MemStats.HeapInuse without stopping the world: the heap's
// object bytes plus its unused (fragmented) in-use bytes.
func heapInuse() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/unused:bytes"}}
	metrics.Read(s)
	var n uint64
	for _, x := range s {
		if x.Value.Kind() == metrics.KindUint64 {
			n += x.Value.Uint64()
		}
	}
	return n
}
