package main

import (
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// proc is one process the campaign started: a service or an oshigoods
// process. Each runs in its own process group (a Ctrl-C at the terminal
// reaches the campaign, which stops them in order), dies with the campaign
// (Pdeathsig), works in a folder under the campaign's temp dir (the
// script's exit trap kills only processes whose working folder is there)
// and logs to a file of its own.
type proc struct {
	name string
	path string
	args []string
	env  []string
	dir  string
	log  string
	// cred runs the process as another user (PostgreSQL as postgres when
	// the campaign runs as root); nil means the campaign's own.
	cred *syscall.Credential
	// pids is the file every started pid is appended to, for the script's
	// exit trap.
	pids string

	mu     sync.Mutex // guards cmd and exited: a supervisor may restart the process
	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd has exited
}

// start starts the process; it must not be running.
func (p *proc) start() error {
	logf, err := os.OpenFile(p.log, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	fmt.Fprintf(logf, "=== %s start %s\n", time.Now().Format(time.TimeOnly), p.name)
	cmd := exec.Command(p.path, p.args...)
	cmd.Env, cmd.Dir, cmd.Stdout, cmd.Stderr = p.env, p.dir, logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL, Credential: p.cred}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", p.name, err)
	}
	if f, err := os.OpenFile(p.pids, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
		fmt.Fprintln(f, cmd.Process.Pid)
		f.Close()
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	p.mu.Lock()
	p.cmd, p.exited = cmd, exited
	p.mu.Unlock()
	return nil
}

// current returns the last started process and its exit channel (nil if
// none was started).
func (p *proc) current() (*exec.Cmd, chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cmd, p.exited
}

// pid is the running process's id, or 0.
func (p *proc) pid() int {
	cmd, exited := p.current()
	if cmd == nil || isClosed(exited) {
		return 0
	}
	return cmd.Process.Pid
}

func (p *proc) running() bool { return p.pid() != 0 }

// state is the last process's exit status, once it has exited.
func (p *proc) state() *os.ProcessState {
	cmd, exited := p.current()
	if cmd == nil || !isClosed(exited) {
		return nil
	}
	return cmd.ProcessState
}

func isClosed(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// signal sends sig and waits up to wait for the process to exit, then
// kills it. It reports how long the exit took and the exit status.
func (p *proc) signal(sig syscall.Signal, wait time.Duration) (time.Duration, *os.ProcessState) {
	cmd, exited := p.current()
	if cmd == nil {
		return 0, nil
	}
	start := time.Now()
	if !isClosed(exited) {
		cmd.Process.Signal(sig)
		select {
		case <-exited:
		case <-time.After(wait):
			cmd.Process.Signal(syscall.SIGKILL)
			<-exited
		}
	}
	return time.Since(start), cmd.ProcessState
}

// kill9 kills the process at once, as the OOM killer or a lost machine
// would, and waits for it to be gone.
func (p *proc) kill9() { p.signal(syscall.SIGKILL, time.Minute) }
