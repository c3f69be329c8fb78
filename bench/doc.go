// Package bench measures what drorch's waiting costs, on drorch's simulated
// AWS: how soon drorch notices that an operation has finished (detection
// latency), how much time it adds to the operations' own durations
// (overhead, per layer and before layer 1), how many describe calls it
// makes per resource and minute and per polling round, its peak request
// rate per service and region, its CPU and memory. It measures a model of
// the original framework as deployed on the same worlds, with the same
// mutating calls, for comparison: its fixed sleeps (60 s after a
// switchover, detach or promotion; 15 s in its failback; none after an
// ElastiCache failover), its polls every 15 s to 120 s with one describe
// call per resource, its exports listed again for every resource, its
// Lambdas' reserved concurrency of 5 and its inline Maps of at most 40
// iterations. It counts the operations that strategy declares finished
// while they still run, and says where that strategy does better.
//
// Each workload runs several times: first with the simulator's default
// durations, then with every operation lengthened by a seeded random 0 to
// 15 s, the same seeds every time, so that the figures reproduce and show
// their spread.
//
// Everything lives in the package's tests; run the figures with
//
//	go test -run '^$' -bench . -benchtime 1x -timeout 60m ./bench/
//
// (DRORCH_BENCH_REPS=1 runs each workload once; -cpuprofile works.)
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
