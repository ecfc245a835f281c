package testenv

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// SentinelMaster is the name RedisSentinel's Sentinel monitors.
const SentinelMaster = "oshigoods"

// Sentinel is a Redis master with a replica, watched by one Sentinel, all
// on loopback ports of the test's own.
type Sentinel struct {
	// Addr is the Sentinel's host:port.
	Addr string
	// Master and Replica are the servers' host:port as they started; a
	// failover swaps their roles.
	Master, Replica string
}

// URL is the redis-sentinel:// URL of the master.
func (s Sentinel) URL() string {
	return "redis-sentinel://" + s.Addr + "?master=" + SentinelMaster
}

// RedisSentinel starts a Redis master, a replica of it and a Sentinel that
// monitors the master as SentinelMaster (quorum 1, down after one second),
// each a redis-server of its own on a spare loopback port, stopped when the
// test ends. Without redis-server the test ends through Missing (under CI
// it fails).
func RedisSentinel(t testing.TB) Sentinel {
	t.Helper()
	bin := Tool(t, "redis-server")
	dir := t.TempDir()
	master := startRedisServer(t, bin, dir, "master")
	replica := startRedisServer(t, bin, dir, "replica", "--replicaof", "127.0.0.1", portOf(master))
	port := sparePort(t)
	conf := filepath.Join(dir, "sentinel.conf")
	// The Sentinel rewrites its file: it must be writable and its own.
	err := os.WriteFile(conf, []byte(strings.Join([]string{
		"port " + port,
		"bind 127.0.0.1",
		"dir " + dir,
		"sentinel monitor " + SentinelMaster + " 127.0.0.1 " + portOf(master) + " 1",
		"sentinel down-after-milliseconds " + SentinelMaster + " 1000",
		"sentinel failover-timeout " + SentinelMaster + " 10000",
	}, "\n")+"\n"), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	addr := startRedisProcess(t, bin, filepath.Join(dir, "sentinel.log"), port, conf, "--sentinel")
	s := Sentinel{Addr: addr, Master: master, Replica: replica}
	// Ready when the Sentinel knows the replica: a failover needs it.
	c := redis.NewSentinelClient(&redis.Options{Addr: addr})
	defer c.Close()
	waitFor(t, 30*time.Second, "the Sentinel to see the replica", func(ctx context.Context) bool {
		r, err := c.Replicas(ctx, SentinelMaster).Result()
		return err == nil && len(r) == 1 && !strings.Contains(fmt.Sprint(r), "s_down")
	})
	return s
}

// Failover has the Sentinel promote the replica and waits until it reports
// the replica as the master; it returns the new master's host:port.
func (s Sentinel) Failover(t testing.TB) string {
	t.Helper()
	c := redis.NewSentinelClient(&redis.Options{Addr: s.Addr})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Failover(ctx, SentinelMaster).Err(); err != nil {
		t.Fatalf("SENTINEL FAILOVER: %v", err)
	}
	waitFor(t, 30*time.Second, "the failover", func(ctx context.Context) bool {
		a, err := c.GetMasterAddrByName(ctx, SentinelMaster).Result()
		if err != nil || len(a) != 2 || net.JoinHostPort(a[0], a[1]) != s.Replica {
			return false
		}
		r := redis.NewClient(&redis.Options{Addr: s.Replica})
		defer r.Close()
		info, err := r.Info(ctx, "replication").Result()
		return err == nil && strings.Contains(info, "role:master")
	})
	return s.Replica
}

// RedisCluster starts a Redis Cluster of three masters (no replicas) on
// spare loopback ports, the slots shared among them, stopped when the test
// ends, and returns its redis-cluster:// URL. Without redis-server the
// test ends through Missing (under CI it fails).
func RedisCluster(t testing.TB) string {
	t.Helper()
	bin := Tool(t, "redis-server")
	dir := t.TempDir()
	var addrs []string
	for i := range 3 {
		name := "node" + strconv.Itoa(i)
		addrs = append(addrs, startRedisServer(t, bin, dir, name, "--cluster-enabled", "yes",
			"--cluster-config-file", filepath.Join(dir, name+".nodes.conf"), "--cluster-node-timeout", "2000"))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const slots = 16384
	for i, a := range addrs {
		c := redis.NewClient(&redis.Options{Addr: a})
		args := []any{"CLUSTER", "ADDSLOTS"}
		for slot := i * slots / 3; slot < (i+1)*slots/3; slot++ {
			args = append(args, slot)
		}
		err := c.Do(ctx, args...).Err()
		if err == nil && i > 0 {
			err = c.ClusterMeet(ctx, "127.0.0.1", portOf(addrs[0])).Err()
		}
		c.Close()
		if err != nil {
			t.Fatalf("form the cluster at %s: %v", a, err)
		}
	}
	for _, a := range addrs {
		c := redis.NewClient(&redis.Options{Addr: a})
		waitFor(t, 30*time.Second, "cluster state ok at "+a, func(ctx context.Context) bool {
			info, err := c.ClusterInfo(ctx).Result()
			return err == nil && strings.Contains(info, "cluster_state:ok") && strings.Contains(info, "cluster_known_nodes:3")
		})
		c.Close()
	}
	return "redis-cluster://" + strings.Join(addrs, ",")
}

// startRedisServer starts a redis-server without persistence on a spare
// loopback port; args are more options.
func startRedisServer(t testing.TB, bin, dir, name string, args ...string) string {
	t.Helper()
	port := sparePort(t)
	args = append([]string{"--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", dir, "--dbfilename", name + ".rdb"}, args...)
	return startRedisProcess(t, bin, filepath.Join(dir, name+".log"), port, args...)
}

// startRedisProcess runs bin with args and --port, logging to logFile, and
// waits until it answers PING; it is killed when the test ends.
func startRedisProcess(t testing.TB, bin, logFile, port string, args ...string) string {
	t.Helper()
	args = append(args, "--port", port, "--logfile", logFile)
	exited := startProcess(t, exec.Command(bin, args...))
	addr := "127.0.0.1:" + port
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	waitFor(t, 15*time.Second, "redis-server on "+addr, func(ctx context.Context) bool {
		select {
		case <-exited:
			log, _ := os.ReadFile(logFile)
			t.Fatalf("redis-server %s exited:\n%s", strings.Join(args, " "), log)
		default:
		}
		return c.Ping(ctx).Err() == nil
	})
	return addr
}

// sparePort returns a loopback port nothing listens on, whose cluster bus
// port (10000 higher) is free too.
func sparePort(t testing.TB) string {
	t.Helper()
	for range 50 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if port+10000 > 65535 {
			continue
		}
		bus, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port+10000))
		if err != nil {
			continue
		}
		bus.Close()
		return strconv.Itoa(port)
	}
	t.Fatal("no spare loopback port")
	return ""
}

func portOf(addr string) string {
	_, port, _ := net.SplitHostPort(addr)
	return port
}

// waitFor polls ok every 50ms until it holds, failing the test after d.
func waitFor(t testing.TB, d time.Duration, what string, ok func(ctx context.Context) bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		done := ok(ctx)
		cancel()
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
