package shopclient

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// progress shows a claim's download: on a terminal one bar redrawn in place,
// otherwise one line per file. It is an io.Writer counting bytes.
type progress struct {
	mu       sync.Mutex
	w        io.Writer
	terminal bool
	claim    string
	files    int
	doneN    int
	total    int64
	got      int64
	last     time.Time
}

func newProgress(w io.Writer, terminal bool) *progress {
	if w == nil {
		w = io.Discard
	}
	return &progress{w: w, terminal: terminal}
}

func (p *progress) start(claim string, files int, total int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.claim, p.files, p.doneN, p.total, p.got = claim, files, 0, total, 0
	if !p.terminal {
		fmt.Fprintf(p.w, "claim %s: %d files, %s\n", claim, files, size(total))
	}
}

// Write counts downloaded bytes.
func (p *progress) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.got += int64(len(b))
	if p.terminal && time.Since(p.last) > 100*time.Millisecond {
		p.draw()
	}
	return len(b), nil
}

// file records a finished file: downloaded, or found already verified.
func (p *progress) file(path string, n int64, downloaded bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.doneN++
	if !downloaded {
		p.got += n
	}
	if p.terminal {
		p.draw()
		return
	}
	how := "downloaded, sha256 ok"
	if !downloaded {
		how = "already here, sha256 ok"
	}
	fmt.Fprintf(p.w, "  %s (%s) %s [%d/%d]\n", path, size(n), how, p.doneN, p.files)
}

func (p *progress) draw() {
	p.last = time.Now()
	frac := 1.0
	if p.total > 0 {
		frac = min(1, float64(p.got)/float64(p.total))
	}
	const width = 30
	fill := int(frac * width)
	fmt.Fprintf(p.w, "\r%s [%s%s] %3.0f%% %d/%d files %s/%s ", p.claim, strings.Repeat("#", fill), strings.Repeat("-", width-fill),
		frac*100, p.doneN, p.files, size(p.got), size(p.total))
}

func (p *progress) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.terminal && p.claim != "" {
		p.draw()
		fmt.Fprintln(p.w)
	}
}

// line prints a message on its own line.
func (p *progress) line(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, format+"\n", args...)
}

func size(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f kB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
