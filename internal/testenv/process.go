package testenv

import (
	"net"
	"os/exec"
	"testing"
)

// startProcess starts cmd, a server the test runs (mailpit, redis-server),
// and kills it when the test ends; the channel closes when it exits, so a
// wait for it to answer can tell that it died at start.
func startProcess(t testing.TB, cmd *exec.Cmd) (exited <-chan struct{}) {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", cmd.Path, err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-done
	})
	return done
}

// FreeLoopbackAddr returns 127.0.0.1:<a port free a moment ago>.
func FreeLoopbackAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
