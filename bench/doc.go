// Package bench measures what drorch's waiting costs, on drorch's simulated
// AWS: how soon drorch notices that an operation has finished (detection
// latency), how many describe calls it makes per resource and minute of
// waiting, how much time it adds to the operations' own durations
// (overhead), and its peak memory. It measures the original framework's
// strategy (a fixed 60 s sleep after each mutating call, then one describe
// call per resource every 15 s to 120 s, exports listed again for every
// resource) on the same worlds, with the same mutating calls, for
// comparison, and counts the operations that strategy declares finished
// while they still run.
//
// Everything lives in the package's tests; run the figures with
//
//	go test -run '^$' -bench . -benchtime 1x ./bench/
//
// Times are virtual (simulated AWS) seconds: the engine's clock is the
// simulator's. By default that clock is stepped: it stands still while
// anything in the process works and jumps to the next timer when
// everything waits, and each AWS call is given 100 ms and each journal
// append 2 ms of it. The figures then do not depend on the test machine; a
// simulator merely sped up (DRORCH_BENCH_SPEED=500 runs that way) turns
// every real millisecond of CPU or fsync into 500 ms of AWS time, which at
// 500 resources outweighs the waiting being measured.
package bench
