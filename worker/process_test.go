package worker_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"oshigoods/internal/testenv"
	"oshigoods/orders"
	"oshigoods/orders/sqlstore"
	"oshigoods/templates"
	"oshigoods/worker"
)

// The variables a worker process started by a test (startWorkerProcess)
// reads: it is this test binary, run again.
const (
	envWorkerProcess = "OSHIGOODS_TEST_WORKER_PROCESS" // "poison": every render hangs
	envWorkerDSN     = "OSHIGOODS_TEST_WORKER_DSN"
	envWorkerRedis   = "OSHIGOODS_TEST_WORKER_REDIS"
	envWorkerLease   = "OSHIGOODS_TEST_WORKER_LEASE"    // orders.Renders.Lease
	envWorkerTries   = "OSHIGOODS_TEST_WORKER_ATTEMPTS" // orders.Renders.MaxAttempts
)

// hangLine is what a poison worker process prints when a render reached
// the file store: the test kills it then, as the kernel kills a worker that
// runs out of memory decoding a photo.
const hangLine = "render hangs"

func TestMain(m *testing.M) {
	if os.Getenv(envWorkerProcess) != "" {
		os.Exit(workerProcess())
	}
	os.Exit(m.Run())
}

// workerProcess is the worker a test starts as a process of its own: a
// render server of concurrency 1 over the test's database and Redis, whose
// file store hangs on every read (the upload the render loads), after
// printing hangLine. It runs until it is killed.
func workerProcess() int {
	ctx := context.Background()
	store, err := sqlstore.Open(ctx, os.Getenv(envWorkerDSN))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	catalog, err := templates.Builtin()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	opt, err := asynq.ParseRedisURI(os.Getenv(envWorkerRedis))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	lease, _ := time.ParseDuration(os.Getenv(envWorkerLease))
	tries, _ := strconv.Atoi(os.Getenv(envWorkerTries))
	svc := &orders.Service{Store: store, Queue: worker.NewQueue(opt), Files: hangingFiles{testenv.NewMemFiles()},
		Catalog: catalog, Secret: []byte("s"), Renders: orders.Renders{Lease: lease, MaxAttempts: tries}}
	srv := asynq.NewServer(opt, asynq.Config{Concurrency: 1, Queues: map[string]int{worker.QueueRender: 1},
		TaskCheckInterval: 100 * time.Millisecond, LogLevel: asynq.FatalLevel})
	mux := asynq.NewServeMux()
	mux.Handle("render:", &worker.Renderer{Service: svc})
	if err := srv.Run(mux); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// hangingFiles is a file store whose reads never return. It holds every
// key, as the shared store holds the template version the order kept: the
// render goes straight to reading the upload, not to keeping 24 MB of
// fonts in a store of its own while its lease runs out.
type hangingFiles struct{ orders.FileStore }

func (hangingFiles) Exists(context.Context, string) (bool, error) { return true, nil }

func (hangingFiles) Get(context.Context, string) ([]byte, error) {
	fmt.Println(hangLine)
	select {}
}

// workerProcess is a running worker process.
type process struct {
	cmd    *exec.Cmd
	hung   chan struct{} // closed when it printed hangLine
	mu     sync.Mutex
	stderr strings.Builder
	exited chan struct{}
}

// startWorkerProcess starts a poison worker process (workerProcess) on e's
// database and Redis, with e's render settings; it is killed when the test
// ends, if not before.
func startWorkerProcess(t *testing.T, e *env) *process {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envWorkerProcess+"=poison", envWorkerDSN+"="+e.dsn, envWorkerRedis+"="+e.redisURL,
		envWorkerLease+"="+e.svc.Renders.Lease.String(), envWorkerTries+"="+strconv.Itoa(e.svc.Renders.MaxAttempts))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, hung: make(chan struct{}), exited: make(chan struct{})}
	cmd.Stderr = writerFunc(func(b []byte) (int, error) {
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.stderr.Write(b)
	})
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		once := sync.Once{}
		for sc.Scan() {
			if sc.Text() == hangLine {
				once.Do(func() { close(p.hung) })
			}
		}
		io.Copy(io.Discard, out)
	}()
	go func() { cmd.Wait(); close(p.exited) }()
	t.Cleanup(p.kill)
	return p
}

// kill kills the process with SIGKILL, as the kernel's OOM killer does,
// and waits for it to end.
func (p *process) kill() {
	p.cmd.Process.Kill()
	<-p.exited
}

// log returns what the process wrote to stderr.
func (p *process) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }
