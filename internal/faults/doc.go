// Command faults is the fault campaign of issue #15: it runs oshigoods as
// production does (one API process and two workers sharing Redis,
// PostgreSQL and MinIO, each started here on a spare loopback port),
// places batches of fans' orders, injects one fault per scenario (a worker
// killed mid-render, Redis flushed, MinIO or PostgreSQL down, the API
// killed mid-burst, duplicate task deliveries, a worker stopped with
// SIGTERM, a poison task that kills its worker), waits for the system to
// recover and checks that no acknowledged order was lost or left stuck,
// that no file was recorded twice and that every stored object hashes to
// its record. It prints one table row per scenario and exits 1 when any
// scenario fails.
//
// Each scenario's bound is how long after the fault clears every order
// must be final: 60 s, and for the poison task 2 minutes from its order's
// acknowledgement to its item failing with a reason. A scenario waits its
// bound and a margin more (20 s short, 3 minutes full, to measure a slow
// recovery), so a failing scenario takes longer than a passing one.
//
// scripts/faults builds it and oshigoods, and removes what it left; run it
// through that script:
//
//	scripts/faults --short     # 5 scenarios, 12 orders a batch, MinIO down 15 s: 3–6 minutes
//	scripts/faults             # 8 scenarios, 36 orders a batch, MinIO down 60 s: 5–10 minutes
//	scripts/faults --only redis-flushall,minio-outage
//
// The poison is real: the poison scenario's workers run under ulimit -d
// (-poison-limit-mb, 320 MiB: an ordinary render stays well under it) and
// one render at a time, the API's decode budget is raised to 1 GiB, and a
// 7000×7000 interlaced PNG (which image/png decodes whole) makes the
// worker that takes it die of "out of memory"; a supervisor in the
// campaign restarts it a second later, as systemd or Kubernetes would.
package main
