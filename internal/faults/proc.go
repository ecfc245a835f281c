package main

import (
	"fmt"
	"os"
	"os/exec"
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

	cmd    *exec.Cmd
	exited chan struct{}
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
	p.cmd, p.exited = cmd, make(chan struct{})
	go func(done chan struct{}) { cmd.Wait(); close(done) }(p.exited)
	return nil
}

// pid is the running process's id, or 0.
func (p *proc) pid() int {
	if !p.running() {
		return 0
	}
	return p.cmd.Process.Pid
}

func (p *proc) running() bool {
	if p.cmd == nil {
		return false
	}
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// signal sends sig and waits up to wait for the process to exit, then
// kills it. It reports how long the exit took and the exit status.
func (p *proc) signal(sig syscall.Signal, wait time.Duration) (time.Duration, *os.ProcessState) {
	if p.cmd == nil {
		return 0, nil
	}
	start := time.Now()
	if p.running() {
		p.cmd.Process.Signal(sig)
		select {
		case <-p.exited:
		case <-time.After(wait):
			p.cmd.Process.Signal(syscall.SIGKILL)
			<-p.exited
		}
	}
	return time.Since(start), p.cmd.ProcessState
}

// kill9 kills the process at once, as the OOM killer or a lost machine
// would, and waits for it to be gone.
func (p *proc) kill9() { p.signal(syscall.SIGKILL, time.Minute) }
