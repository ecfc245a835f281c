//go:build pprof

package main

// Built with -tags pprof (bench/e2e.sh does when PROFILE is set), the
// process serves net/http/pprof at the address in PPROF_ADDR, e.g.
// 127.0.0.1:6060, for profiling it under load. The default build has no
// such server, and without PPROF_ADDR this one serves none either.

import (
	"fmt"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
)

func init() {
	addr := os.Getenv("PPROF_ADDR")
	if addr == "" {
		return
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "oshigoods: pprof:", err)
		os.Exit(1)
	}
	go http.Serve(ln, nil)
}
