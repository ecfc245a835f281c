package main

// Tests of the pull binary against what the shop's machine gives it: a disk
// that fills up, and a terminal or a pipe to write progress to.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"

	"oshigoods/internal/testenv"
)

// readyCards starts an embedded server, places n card orders and waits
// until a shop can claim them. It returns the API's base URL, a shop key
// and the total size of the orders' files.
func readyCards(t *testing.T, n int) (base, key string, size int64) {
	t.Helper()
	env := backends[0].env(t)
	srv := startServe(t, env)
	key = createShopKey(t, env)
	for i := range n {
		var o orderResp
		if code := call(t, "POST", srv.base+"/v1/orders", "", nil, cardOrder(fmt.Sprintf("みく%d", i)), &o); code != 201 {
			t.Fatalf("order: %d %+v", code, o)
		}
		o = waitStatus(t, srv.base, o.ID, o.Token, "ready")
		for _, it := range o.Items {
			for _, f := range it.Files {
				size += f.Size
			}
		}
	}
	waitAllReady(t, srv.base, key, n)
	return srv.base, key, size
}

// inMountNamespace returns the command that runs script with sh in a
// private mount namespace (util-linux unshare), where it may mount a tmpfs
// that vanishes with it and that no other process sees. As root that needs
// only CAP_SYS_ADMIN; otherwise it asks for a user namespace where the
// caller is root.
func inMountNamespace(ctx context.Context, script string, args ...string) *exec.Cmd {
	un := []string{"--mount", "--propagation", "private"}
	if os.Geteuid() != 0 {
		un = append([]string{"--user", "--map-root-user"}, un...)
	}
	return exec.CommandContext(ctx, "unshare", append(un, append([]string{"sh", "-c", script, "sh"}, args...)...)...)
}

// fullDiskScript mounts a tmpfs of size $3 on $1, runs the rest of its
// arguments (the pull) on it, frees space by growing the tmpfs to $4, runs
// the pull again, and copies the hot folder to $2/hot for inspection. Each
// run's output and exit status go to $2/<run>.out and $2/<run>.rc.
const fullDiskScript = `
mnt=$1 out=$2 small=$3 big=$4
shift 4
mount -t tmpfs -o size=$small,mode=0755 oshigoods-test "$mnt" || exit 97
"$@" >"$out/full.out" 2>&1
echo $? >"$out/full.rc"
df -k "$mnt" >"$out/full.df"
mount -o remount,size=$big "$mnt" || exit 98
"$@" >"$out/freed.out" 2>&1
echo $? >"$out/freed.rc"
mkdir "$out/hot" && cp -a "$mnt/." "$out/hot/"
`

// TestPullFullDisk runs the pull binary on a hot folder whose disk (a
// tmpfs) holds the claim's bookkeeping but not its files: pull must stop
// with a non-zero exit and a message that says the disk is full, where,
// and that a rerun resumes. Then, with space freed, the rerun must finish
// the claim with every file verified.
func TestPullFullDisk(t *testing.T) {
	if _, err := exec.LookPath("unshare"); err != nil {
		testenv.Missing(t, "no unshare (util-linux) to mount a small tmpfs in a private mount namespace: "+err.Error())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	probe := t.TempDir()
	if out, err := inMountNamespace(ctx, `mount -t tmpfs -o size=4k oshigoods-probe "$1"`, probe).CombinedOutput(); err != nil {
		testenv.Missing(t, fmt.Sprintf("this machine does not let the test mount a tmpfs in a private mount namespace (unshare: %v: %s); the full-disk test needs it", err, bytes.TrimSpace(out)))
	}

	bin := buildBinary(t, t.TempDir())
	base, key, total := readyCards(t, 2)
	// 16 kB holds the hot folder's bookkeeping (.claim, .lock, folders;
	// tmpfs charges a 4 kB page per non-empty file), and is far too small
	// for the files.
	const small = 16 << 10
	if total < 4*small {
		t.Fatalf("the orders' files total %d bytes; the test needs well over %d to fill the disk", total, small)
	}
	mnt, out := t.TempDir(), t.TempDir()
	args := []string{mnt, out, strconv.Itoa(small), "64m", bin, "pull", "--server", base, "--key", key, "--dir", mnt}
	if b, err := inMountNamespace(ctx, fullDiskScript, args...).CombinedOutput(); err != nil {
		t.Fatalf("full-disk script: %v\n%s", err, b)
	}
	result := func(run string) (int, string) {
		rc, err := strconv.Atoi(strings.TrimSpace(string(readFile(t, filepath.Join(out, run+".rc")))))
		if err != nil {
			t.Fatal(err)
		}
		return rc, string(readFile(t, filepath.Join(out, run+".out")))
	}

	rc, msg := result("full")
	t.Logf("pull on a full disk exited %d:\n%s%s", rc, msg, readFile(t, filepath.Join(out, "full.df")))
	if rc == 0 {
		t.Fatalf("pull on a %d byte disk for %d bytes of files exited 0", small, total)
	}
	for _, want := range []string{
		"oshigoods: the disk holding the hot folder is full",
		"no space left on device",
		"free space in " + mnt + " and run pull again: it resumes",
		"orders acked 0,",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("pull on a full disk said\n%s\nwant it to say %q", msg, want)
		}
	}
	if strings.Contains(msg, "retrying") {
		t.Errorf("pull retried a download on a full disk instead of stopping:\n%s", msg)
	}

	rc, msg = result("freed")
	if rc != 0 || !strings.Contains(msg, "orders acked 2,") {
		t.Fatalf("rerun with space freed exited %d, want 0 with both orders acked:\n%s", rc, msg)
	}
	if got := checkHotFolder(t, filepath.Join(out, "hot")); len(got) != 2 {
		t.Fatalf("after the rerun the hot folder holds orders %v, want 2", got)
	}
}

// barRE is one redraw of the terminal progress bar: \r, the claim, a
// 30-wide bar, the percentage, files done and bytes done of the total.
var barRE = regexp.MustCompile(`\r(\S+) \[([#-]{30})\] +(\d+)% (\d+)/(\d+) files (\d+(?:\.\d)? [kM]?B)/(\d+(?:\.\d)? [kM]?B) `)

// TestPullProgress runs the pull binary twice, each time against a server
// with two ready orders: under a pseudo-terminal it
// must redraw one bar in place up to 100%; into a pipe it must print plain
// lines, one per file, with no carriage returns or escape codes a log file
// would keep.
func TestPullProgress(t *testing.T) {
	bin := buildBinary(t, t.TempDir())

	for _, tc := range []struct {
		scenario string
		terminal bool
		check    func(t *testing.T, out string)
	}{
		{"terminal", true, func(t *testing.T, out string) {
			draws := barRE.FindAllStringSubmatch(out, -1)
			if len(draws) < 3 {
				t.Fatalf("%d bar redraws, want one per file and more:\n%q", len(draws), out)
			}
			claim, prev, fill := draws[0][1], -1, 0
			for _, d := range draws {
				pct, _ := strconv.Atoi(d[3])
				if d[1] != claim || pct < prev || strings.Count(d[2], "#") < fill {
					t.Fatalf("bar redraw %q after %d%%: want the same claim %s, and a percentage and bar that never fall", d[0], prev, claim)
				}
				prev, fill = pct, strings.Count(d[2], "#")
			}
			last := draws[len(draws)-1]
			if last[3] != "100" || fill != 30 || last[4] != last[5] || last[6] != last[7] {
				t.Fatalf("last redraw %q: want 100%%, every file and every byte", last[0])
			}
			if strings.Contains(out, "downloaded, sha256 ok") {
				t.Fatalf("a terminal got the plain per-file lines too:\n%s", out)
			}
		}},
		{"pipe", false, func(t *testing.T, out string) {
			if i := strings.IndexAny(out, "\r\x1b"); i >= 0 {
				t.Fatalf("output into a pipe has %q at byte %d:\n%q", out[i], i, out)
			}
			lines := regexp.MustCompile(`(?m)^  \S+ \(\d+(?:\.\d)? [kM]?B\) downloaded, sha256 ok \[(\d+)/(\d+)\]$`).FindAllStringSubmatch(out, -1)
			if len(lines) == 0 || lines[len(lines)-1][1] != lines[len(lines)-1][2] {
				t.Fatalf("want one plain line per downloaded file, the last [n/n]:\n%s", out)
			}
			if !regexp.MustCompile(`(?m)^claim \S+: \d+ files, `).MatchString(out) {
				t.Fatalf("no plain claim line:\n%s", out)
			}
		}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			// Two orders (four files), slowly enough for the bar to be
			// redrawn between files.
			base, key, _ := readyCards(t, 2)
			args := []string{"pull", "--server", base, "--key", key, "--dir", t.TempDir(), "--limit-rate", "400000"}
			var out string
			if tc.terminal {
				out = runOnTerminal(t, bin, args...)
			} else {
				b, err := exec.Command(bin, args...).CombinedOutput()
				if err != nil {
					t.Fatalf("pull: %v\n%s", err, b)
				}
				out = string(b)
			}
			if !strings.Contains(out, "orders acked 2,") {
				t.Fatalf("pull did not ack its two orders:\n%s", out)
			}
			tc.check(t, out)
		})
	}
}

// runOnTerminal runs bin with a pseudo-terminal as its stdin, stdout and
// stderr, and returns everything it wrote there.
func runOnTerminal(t *testing.T, bin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 24, Cols: 120})
	if err != nil {
		testenv.Missing(t, "cannot open a pseudo-terminal here: "+err.Error())
	}
	defer ptmx.Close()
	var out bytes.Buffer
	_, err = io.Copy(&out, ptmx) // ends with EIO once the child has exited
	var pathErr *os.PathError
	if err != nil && !(errors.As(err, &pathErr) && strings.Contains(err.Error(), "input/output error")) {
		t.Fatalf("read the terminal: %v", err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("pull on a terminal: %v\n%s", err, out.String())
	}
	return out.String()
}
