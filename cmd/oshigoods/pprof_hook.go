//go:build pprofhook

package main

import (
	"net/http"
	_ "net/http/pprof" // registers /debug/pprof/ on http.DefaultServeMux
	"os"
)

// A build with -tags pprofhook (bench/intake.sh PROFILE=file) serves
// net/http/pprof on BENCH_PPROF_ADDR, a loopback address, for profiling a
// benchmark run. A default build has no such hook: the server's own mux
// never routes /debug/pprof/.
func init() {
	if addr := os.Getenv("BENCH_PPROF_ADDR"); addr != "" {
		go http.ListenAndServe(addr, nil)
	}
}
