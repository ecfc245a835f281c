package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/hibiken/asynq"
	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/redis/go-redis/v9"
)

// stack is the system under test: its own Redis, PostgreSQL cluster and
// MinIO on spare loopback ports, one API process (serve --worker=false)
// and two worker processes, all under one temp dir.
type stack struct {
	dir      string // the campaign's temp dir; everything lives under it
	bin      string // the oshigoods binary
	minioBin string
	pgBin    string // PostgreSQL's bin folder (initdb, postgres)
	pids     string // the file of started pids, for the script's trap

	redisPort, pgPort, minioPort, apiPort int
	minioUser, minioPass, secret          string
	reconcile, staleAfter                 string

	redis, pg, minio, api *proc
	workers               []*slot

	db      *sql.DB
	rdb     *redis.Client
	insp    *asynq.Inspector
	enqueue *asynq.Client
	base    string // the API's URL
}

// slot is one worker process under a supervisor that restarts it a
// second after it dies, as systemd's Restart=always or an orchestrator
// would; deaths counts those restarts. A stop or kill9 through the slot is
// the campaign's own and is not restarted.
type slot struct {
	p      *proc
	mu     sync.Mutex
	gen    int // bumped by every start and stop: a watcher of an older one gives up
	deaths int
}

func (w *slot) run() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.p.start(); err != nil {
		return err
	}
	w.gen++
	_, exited := w.p.current()
	go w.watch(w.gen, exited)
	return nil
}

func (w *slot) watch(gen int, exited chan struct{}) {
	<-exited
	w.mu.Lock()
	if w.gen != gen {
		w.mu.Unlock()
		return
	}
	w.deaths++
	w.mu.Unlock()
	logf("%s died (%v); restarting it in 1 s", w.p.name, w.p.state())
	time.Sleep(time.Second)
	w.mu.Lock()
	again := w.gen == gen
	w.mu.Unlock()
	if again {
		if err := w.run(); err != nil {
			logf("restart %s: %v", w.p.name, err)
		}
	}
}

// stop signals the worker and waits for it as proc.signal does; it is
// not restarted.
func (w *slot) stop(sig syscall.Signal, wait time.Duration) (time.Duration, *os.ProcessState) {
	w.mu.Lock()
	w.gen++
	w.mu.Unlock()
	return w.p.signal(sig, wait)
}

func (w *slot) deathCount() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.deaths
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// waitFor calls check until it succeeds or timeout passes.
func waitFor(ctx context.Context, timeout time.Duration, what string, check func(context.Context) error) error {
	deadline := time.Now().Add(timeout)
	for {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err := check(cctx)
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: not ready after %s: %w", what, timeout, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (s *stack) newProc(name, path string, args []string, env []string, dir string) *proc {
	os.MkdirAll(dir, 0o755)
	return &proc{name: name, path: path, args: args, env: env, dir: dir,
		log: filepath.Join(s.dir, "logs", name+".log"), pids: s.pids}
}

// startServices starts Redis, PostgreSQL and MinIO and connects to them.
func (s *stack) startServices(ctx context.Context) error {
	var err error
	for _, p := range []*int{&s.redisPort, &s.pgPort, &s.minioPort, &s.apiPort} {
		if *p, err = freePort(); err != nil {
			return err
		}
	}
	os.MkdirAll(filepath.Join(s.dir, "logs"), 0o755)
	os.MkdirAll(filepath.Join(s.dir, "tmp"), 0o755)
	s.pids = filepath.Join(s.dir, "pids")
	s.minioUser, s.minioPass, s.secret = "faults"+randomHex(4), randomHex(16), randomHex(16)
	baseEnv := []string{"PATH=" + os.Getenv("PATH"), "TMPDIR=" + filepath.Join(s.dir, "tmp")}

	// Redis: no persistence, so a FLUSHALL or a restart loses everything.
	s.redis = s.newProc("redis", "redis-server", []string{"--port", strconv.Itoa(s.redisPort), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--protected-mode", "yes", "--dir", filepath.Join(s.dir, "redis")},
		baseEnv, filepath.Join(s.dir, "redis"))
	if err := s.redis.start(); err != nil {
		return err
	}
	s.rdb = redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", s.redisPort)})
	if err := waitFor(ctx, 20*time.Second, "redis", func(ctx context.Context) error { return s.rdb.Ping(ctx).Err() }); err != nil {
		return err
	}
	ropt := asynq.RedisClientOpt{Addr: fmt.Sprintf("127.0.0.1:%d", s.redisPort)}
	s.insp, s.enqueue = asynq.NewInspector(ropt), asynq.NewClient(ropt)

	if err := s.startPostgres(ctx, baseEnv); err != nil {
		return err
	}

	// MinIO keeps its config under HOME: a folder of the campaign's.
	minioEnv := append([]string{"HOME=" + filepath.Join(s.dir, "minio-home"), "MINIO_ROOT_USER=" + s.minioUser,
		"MINIO_ROOT_PASSWORD=" + s.minioPass, "MINIO_BROWSER=off", "MINIO_UPDATE=off"}, baseEnv...)
	s.minio = s.newProc("minio", s.minioBin, []string{"server", "--quiet", "--address",
		fmt.Sprintf("127.0.0.1:%d", s.minioPort), filepath.Join(s.dir, "minio-data")}, minioEnv, filepath.Join(s.dir, "minio-home"))
	return s.startMinio(ctx)
}

func (s *stack) startMinio(ctx context.Context) error {
	if err := s.minio.start(); err != nil {
		return err
	}
	url := fmt.Sprintf("http://127.0.0.1:%d/minio/health/live", s.minioPort)
	return waitFor(ctx, 60*time.Second, "minio", func(ctx context.Context) error {
		req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	})
}

// startPostgres makes a cluster with initdb (trust auth, user oshigoods)
// and runs postgres in the foreground as a child. initdb refuses root, so
// as root both run as the postgres user, in folders it owns.
func (s *stack) startPostgres(ctx context.Context, baseEnv []string) error {
	data, run := filepath.Join(s.dir, "pg"), filepath.Join(s.dir, "pg-run")
	for _, d := range []string{data, run} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return err
		}
	}
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return fmt.Errorf("running as root, PostgreSQL must run as the postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		for _, d := range []string{data, run} {
			if err := os.Chown(d, uid, gid); err != nil {
				return err
			}
		}
		// postgres must reach its folders through the temp dir.
		if err := os.Chmod(s.dir, 0o711); err != nil {
			return err
		}
	}
	initdb := s.newProc("initdb", filepath.Join(s.pgBin, "initdb"), []string{"-D", data, "-A", "trust", "-U", "oshigoods",
		"-E", "UTF8", "--no-locale", "--no-sync"}, baseEnv, run)
	initdb.cred = cred
	if err := initdb.start(); err != nil {
		return err
	}
	if _, exited := initdb.current(); exited != nil {
		<-exited
	}
	if st := initdb.state(); st == nil || !st.Success() {
		return fmt.Errorf("initdb failed; see %s", initdb.log)
	}
	s.pg = s.newProc("postgres", filepath.Join(s.pgBin, "postgres"), []string{"-D", data, "-p", strconv.Itoa(s.pgPort),
		"-k", run, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "max_connections=200"}, baseEnv, run)
	s.pg.cred = cred
	if err := s.startPG(ctx); err != nil {
		return err
	}
	admin, err := sql.Open("pgx", fmt.Sprintf("postgres://oshigoods@127.0.0.1:%d/postgres?sslmode=disable", s.pgPort))
	if err != nil {
		return err
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE oshigoods"); err != nil {
		return fmt.Errorf("create database: %w", err)
	}
	s.db, err = sql.Open("pgx", s.databaseURL())
	return err
}

func (s *stack) startPG(ctx context.Context) error {
	if err := s.pg.start(); err != nil {
		return err
	}
	url := fmt.Sprintf("postgres://oshigoods@127.0.0.1:%d/postgres?sslmode=disable", s.pgPort)
	return waitFor(ctx, 60*time.Second, "postgres", func(ctx context.Context) error {
		db, err := sql.Open("pgx", url)
		if err != nil {
			return err
		}
		defer db.Close()
		return db.PingContext(ctx)
	})
}

func (s *stack) databaseURL() string {
	return fmt.Sprintf("postgres://oshigoods@127.0.0.1:%d/oshigoods?sslmode=disable", s.pgPort)
}

// env is an oshigoods process's environment: the shared backends, the
// shared secret, fast reconciling, rate limits no campaign reaches (every
// fan here is 127.0.0.1), a data folder of its own, and nothing from the
// campaign's environment but PATH.
func (s *stack) env(name string, extra ...string) []string {
	data := filepath.Join(s.dir, "data", name)
	os.MkdirAll(data, 0o755)
	return append([]string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + data,
		"TMPDIR=" + filepath.Join(s.dir, "tmp"),
		"OSHIGOODS_DATA_DIR=" + data,
		fmt.Sprintf("OSHIGOODS_REDIS_URL=redis://127.0.0.1:%d/0", s.redisPort),
		"OSHIGOODS_DATABASE_URL=" + s.databaseURL(),
		fmt.Sprintf("OSHIGOODS_S3_ENDPOINT=http://127.0.0.1:%d", s.minioPort),
		"OSHIGOODS_S3_BUCKET=faults",
		"AWS_ACCESS_KEY_ID=" + s.minioUser,
		"AWS_SECRET_ACCESS_KEY=" + s.minioPass,
		// The SDK asks nothing of the network beyond the endpoint.
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE=" + filepath.Join(data, "aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(data, "aws-credentials"),
		"OSHIGOODS_SECRET=" + s.secret,
		"OSHIGOODS_RECONCILE_INTERVAL=" + s.reconcile,
		"OSHIGOODS_STALE_AFTER=" + s.staleAfter,
		"OSHIGOODS_RATE_UPLOADS=100000",
		"OSHIGOODS_RATE_PREVIEWS=100000",
		"OSHIGOODS_RATE_ORDERS=100000",
	}, extra...)
}

// startAPI starts (or restarts) the API process on its port and waits
// until /readyz says its backends answer.
func (s *stack) startAPI(ctx context.Context) error {
	if s.api == nil {
		addr := fmt.Sprintf("127.0.0.1:%d", s.apiPort)
		s.base = "http://" + addr
		s.api = s.newProc("api", s.bin, []string{"serve", "--worker=false"},
			s.env("api", "OSHIGOODS_ADDR="+addr, "OSHIGOODS_DECODE_BUDGET="+strconv.Itoa(decodeBudget)), filepath.Join(s.dir, "data", "api"))
	}
	if err := s.api.start(); err != nil {
		return err
	}
	return waitFor(ctx, 60*time.Second, "api", func(ctx context.Context) error {
		req, _ := http.NewRequestWithContext(ctx, "GET", s.base+"/readyz", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return fmt.Errorf("readyz %d", resp.StatusCode)
		}
		return nil
	})
}

// newWorker makes a worker slot. dataMB, when positive, caps the
// process's data segment (ulimit -d: the heap and other private writable
// memory) as a too-small container would, and runs one render at a time
// with the same decode budget as the API's, as such a worker would be
// configured.
func (s *stack) newWorker(name string, dataMB int) *slot {
	dir := filepath.Join(s.dir, "data", name)
	path, args, env := s.bin, []string{"worker"}, s.env(name)
	if dataMB > 0 {
		path, args = "/bin/sh", []string{"-c", `ulimit -d "$1" && shift && exec "$@"`, "sh", strconv.Itoa(dataMB << 10), s.bin, "worker"}
		env = append(env, "OSHIGOODS_CONCURRENCY=1", "OSHIGOODS_DECODE_BUDGET="+strconv.Itoa(decodeBudget))
	}
	return &slot{p: s.newProc(name, path, args, env, dir)}
}

// decodeBudget is the API's decode budget (OSHIGOODS_DECODE_BUDGET), 1 GiB
// where the default is 256 MiB, so that it accepts the poison scenario's
// photo; the other workers keep the default.
const decodeBudget = 1 << 30

// startWorker starts a worker slot and waits until its asynq server is
// registered in Redis.
func (s *stack) startWorker(ctx context.Context, w *slot) error {
	if err := w.run(); err != nil {
		return err
	}
	pid := w.p.pid()
	return waitFor(ctx, 60*time.Second, w.p.name, func(ctx context.Context) error {
		servers, err := s.insp.Servers()
		if err != nil {
			return err
		}
		for _, srv := range servers {
			if srv.PID == pid {
				return nil
			}
		}
		if !w.p.running() {
			return errors.New("exited")
		}
		return errors.New("not registered yet")
	})
}

// stopAll stops everything the campaign started, workers first and the
// services last, each gracefully and then by force.
func (s *stack) stopAll() {
	var wg sync.WaitGroup
	for _, w := range s.workers {
		wg.Go(func() { w.stop(syscall.SIGTERM, 10*time.Second) })
	}
	wg.Wait()
	if s.api != nil {
		s.api.signal(syscall.SIGTERM, 10*time.Second)
	}
	if s.enqueue != nil {
		s.enqueue.Close()
		s.insp.Close()
	}
	if s.rdb != nil {
		s.rdb.Close()
	}
	if s.db != nil {
		s.db.Close()
	}
	if s.minio != nil {
		s.minio.signal(syscall.SIGTERM, 10*time.Second)
	}
	if s.redis != nil {
		s.redis.signal(syscall.SIGTERM, 5*time.Second)
	}
	if s.pg != nil {
		s.pg.signal(syscall.SIGINT, 20*time.Second) // fast shutdown
	}
}
