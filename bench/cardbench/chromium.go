package main

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"
)

// benchChromium starts one headless Chromium and has it print the HTML
// letter n times over the DevTools protocol, as an HTML-to-PDF service that
// keeps its browser running does: per card, navigate, wait for the load
// event and the fonts, print to PDF. The first page (browser and font
// warm-up) is timed apart from the rest.
func benchChromium(bin, page string, n int, out string) error {
	abs, err := filepath.Abs(page)
	if err != nil {
		return err
	}
	profile, err := os.MkdirTemp("", "cardbench-chromium-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(profile)

	start := time.Now()
	b, err := startBrowser(bin, profile)
	if err != nil {
		return err
	}
	defer b.close()
	var target struct {
		TargetID string `json:"targetId"`
	}
	if err := b.call("", "Target.createTarget", map[string]any{"url": "about:blank"}, &target); err != nil {
		return err
	}
	var attached struct {
		SessionID string `json:"sessionId"`
	}
	if err := b.call("", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &attached); err != nil {
		return err
	}
	sid := attached.SessionID
	if err := b.call(sid, "Page.enable", nil, nil); err != nil {
		return err
	}
	launch := time.Since(start)

	printOne := func() ([]byte, error) {
		loaded := b.waitEvent(sid, "Page.loadEventFired")
		if err := b.call(sid, "Page.navigate", map[string]any{"url": "file://" + abs}, nil); err != nil {
			return nil, err
		}
		select {
		case <-loaded:
		case <-time.After(30 * time.Second):
			return nil, errors.New("page did not load in 30 s")
		}
		if err := b.call(sid, "Runtime.evaluate", map[string]any{"expression": "document.fonts.ready.then(() => document.fonts.size)", "awaitPromise": true}, nil); err != nil {
			return nil, err
		}
		var pdf struct {
			Data string `json:"data"`
		}
		if err := b.call(sid, "Page.printToPDF", map[string]any{"printBackground": true, "preferCSSPageSize": true, "displayHeaderFooter": false}, &pdf); err != nil {
			return nil, err
		}
		return base64.StdEncoding.DecodeString(pdf.Data)
	}
	start = time.Now()
	pdf, err := printOne()
	if err != nil {
		return err
	}
	first := time.Since(start)
	start = time.Now()
	for range n {
		if pdf, err = printOne(); err != nil {
			return err
		}
	}
	warm := time.Since(start) / time.Duration(n)
	if out != "" {
		if err := os.WriteFile(out, pdf, 0o644); err != nil {
			return err
		}
	}
	fmt.Printf("launch_ms=%.1f\n", ms(launch))
	fmt.Printf("first_ms=%.1f\n", ms(first))
	fmt.Printf("warm_ms=%.2f\n", ms(warm))
	fmt.Printf("pdf_bytes=%d\n", len(pdf))
	return nil
}

// browser is a Chromium driven over --remote-debugging-pipe: JSON messages
// separated by NUL bytes, written to its fd 3 and read from its fd 4.
type browser struct {
	cmd *exec.Cmd
	w   io.WriteCloser

	mu      sync.Mutex
	nextID  int
	pending map[int]chan message
	waiters map[string]chan struct{} // session + event → fired
	done    chan struct{}
	err     error
}

type message struct {
	ID        int             `json:"id,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
	Method    string          `json:"method,omitempty"`
	Params    any             `json:"params,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     *struct {
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

func startBrowser(bin, profile string) (*browser, error) {
	toChrome, ourW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	ourR, fromChrome, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+profile, "--remote-debugging-pipe", "about:blank")
	cmd.ExtraFiles = []*os.File{toChrome, fromChrome} // fds 3 and 4
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start chromium: %w", err)
	}
	toChrome.Close()
	fromChrome.Close()
	b := &browser{cmd: cmd, w: ourW, pending: map[int]chan message{}, waiters: map[string]chan struct{}{}, done: make(chan struct{})}
	go b.read(ourR)
	return b, nil
}

func (b *browser) read(r io.Reader) {
	br := bufio.NewReaderSize(r, 1<<20)
	var err error
	for {
		var raw []byte
		if raw, err = br.ReadBytes(0); err != nil {
			break
		}
		var m message
		if err = json.Unmarshal(raw[:len(raw)-1], &m); err != nil {
			break
		}
		b.mu.Lock()
		if m.ID != 0 {
			if ch := b.pending[m.ID]; ch != nil {
				delete(b.pending, m.ID)
				ch <- m
			}
		} else if ch := b.waiters[m.SessionID+" "+m.Method]; ch != nil {
			delete(b.waiters, m.SessionID+" "+m.Method)
			close(ch)
		}
		b.mu.Unlock()
	}
	b.mu.Lock()
	b.err = fmt.Errorf("chromium pipe: %w", err)
	b.mu.Unlock()
	close(b.done)
}

// waitEvent returns a channel closed when the session next gets the event.
func (b *browser) waitEvent(session, method string) <-chan struct{} {
	ch := make(chan struct{})
	b.mu.Lock()
	b.waiters[session+" "+method] = ch
	b.mu.Unlock()
	return ch
}

// call sends a command and decodes its result into result (when not nil).
func (b *browser) call(session, method string, params, result any) error {
	ch := make(chan message, 1)
	b.mu.Lock()
	b.nextID++
	id := b.nextID
	b.pending[id] = ch
	b.mu.Unlock()
	data, err := json.Marshal(message{ID: id, SessionID: session, Method: method, Params: params})
	if err != nil {
		return err
	}
	if _, err := b.w.Write(append(data, 0)); err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	select {
	case m := <-ch:
		if m.Error != nil {
			return fmt.Errorf("%s: %s", method, m.Error.Message)
		}
		if result != nil {
			return json.Unmarshal(m.Result, result)
		}
		return nil
	case <-b.done:
		return fmt.Errorf("%s: %w", method, b.err)
	case <-time.After(60 * time.Second):
		return fmt.Errorf("%s: no answer in 60 s", method)
	}
}

func (b *browser) close() {
	b.call("", "Browser.close", nil, nil)
	b.w.Close()
	done := make(chan error, 1)
	go func() { done <- b.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		b.cmd.Process.Kill()
		<-done
	}
}
