// Package bench measures what drorch's waiting costs, on drorch's simulated
// AWS: how soon drorch notices that an operation has finished (detection
// latency), how many read calls it makes per resource and minute of
// waiting, how much time it adds to the operations' own durations
// (overhead), and its peak memory. It measures the original framework's
// strategy (a fixed 60 s sleep after each mutating call, then one describe
// call per resource every 15 s to 120 s, exports listed again for every
// resource) on the same worlds, with the same calls, for comparison.
//
// Everything lives in the package's tests; run the figures with
//
//	go test -run '^$' -bench . -benchtime 1x ./bench/
//
// Times are virtual (simulated AWS) seconds: the engine's clock is the
// simulator's, so polling intervals, latencies and overheads read as they
// would against AWS while a run takes duration/speed of real time.
package bench
