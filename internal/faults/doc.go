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
// scripts/faults builds it and oshigoods, and removes what it left; run it
// through that script:
//
//	scripts/faults --short     # a subset, small batches: about 5 minutes
//	scripts/faults             # every scenario, full batches and outages
//	scripts/faults --only redis-flushall,minio-outage
package main
