package shopclient

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"oshigoods/impose"
	"oshigoods/orders"
)

// Config is what a pull needs. Server, Key and Dir are required.
type Config struct {
	// Server is the API's base URL, e.g. http://127.0.0.1:8080.
	Server string
	// Key is the print-shop key (shk_…).
	Key string
	// Dir is the hot folder; claims go in Dir/<claim>/<order>/<item>/<file>.
	Dir string
	// Kinds and Templates limit what is claimed (empty: anything).
	Kinds     []string
	Templates []string
	// Max is the most orders per claim. Zero means the server's default (10).
	Max int
	// Lease is how long a claim holds its orders. Zero means the server's
	// default (15 minutes).
	Lease time.Duration
	// Watch keeps claiming, every Interval, instead of stopping when
	// nothing is ready. Zero Interval means 10 seconds.
	Watch    bool
	Interval time.Duration
	// Impose, when set (A4, A3, SRA3), also writes imposition-<size>.pdf
	// per claim and the sheet map in its manifest.
	Impose string
	// OutputICC and OutputICCName are the imposition's PDF/X-4 output
	// intent (render.LoadOutputICC); nil is the built-in sRGB.
	OutputICC     []byte
	OutputICCName string
	// Carrier is the label layout of the shipping file written beside the
	// manifest (shipping-<layout>.csv): "yamato-b2" (the default) or
	// "japanpost-clickpost"; "none" writes none. packing-slips.pdf is
	// written for every claim with printed goods to ship.
	Carrier string
	// RateLimit caps downloads in bytes per second. Zero means no limit.
	RateLimit int64
	// Progress receives progress: a redrawn bar when Terminal, plain
	// lines otherwise. Nil means none.
	Progress io.Writer
	Terminal bool
	// HTTP makes the requests. Nil means a client with a 2 minute timeout.
	HTTP *http.Client
}

// Validate checks the configuration.
func (c Config) Validate() error {
	u, err := url.Parse(c.Server)
	switch {
	case c.Server == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return fmt.Errorf("--server must be the server's http(s) URL, e.g. http://127.0.0.1:8080")
	case c.Key == "":
		return fmt.Errorf("--key is required: the print-shop key (shk_…) from `oshigoods shop-keys create`")
	case c.Dir == "":
		return fmt.Errorf("--dir is required: the hot folder to write into")
	case c.Max < 0 || c.Lease < 0 || c.RateLimit < 0 || c.Interval < 0:
		return fmt.Errorf("--max, --lease, --limit-rate and --interval must not be negative")
	}
	if c.Impose != "" {
		if _, err := impose.LookupSheet(c.Impose); err != nil {
			return fmt.Errorf("--impose: %s", errorMessage(err))
		}
	}
	return nil
}

// Client pulls claims into the hot folder.
type Client struct {
	cfg  Config
	http *http.Client
	prog *progress
}

// New returns a client; it fails if the configuration is invalid.
func New(cfg Config) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.Server = strings.TrimRight(cfg.Server, "/")
	hc := cfg.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 2 * time.Minute}
	}
	return &Client{cfg: cfg, http: hc, prog: newProgress(cfg.Progress, cfg.Terminal)}, nil
}

// Errors a caller may want to tell apart; each is wrapped with detail.
var (
	// ErrUnauthorized: the server refused the key.
	ErrUnauthorized = errors.New("the server refused the print-shop key")
	// ErrUnreachable: the server could not be reached.
	ErrUnreachable = errors.New("cannot reach the server")
	// ErrDiskFull: the hot folder's disk is full.
	ErrDiskFull = errors.New("the disk holding the hot folder is full")
)

// Stats counts what a run did.
type Stats struct {
	Claims     int
	Orders     int
	Downloaded int // files fetched
	Verified   int // files already present and verified, not fetched again
	Bytes      int64
}

// Run first finishes claims an earlier run left unfinished, then claims and
// pulls until nothing is ready (or, with Watch, until ctx ends).
func (c *Client) Run(ctx context.Context) (Stats, error) {
	var st Stats
	if err := os.MkdirAll(c.cfg.Dir, 0o755); err != nil {
		return st, diskError(fmt.Errorf("create %s: %w", c.cfg.Dir, err))
	}
	entries, err := os.ReadDir(c.cfg.Dir)
	if err != nil {
		return st, fmt.Errorf("read %s: %w", c.cfg.Dir, err)
	}
	for _, e := range entries {
		dir := filepath.Join(c.cfg.Dir, e.Name())
		if !e.IsDir() || !exists(filepath.Join(dir, ".claim")) || exists(filepath.Join(dir, ".done")) {
			continue
		}
		c.prog.line("resuming claim %s", e.Name())
		if err := c.finish(ctx, e.Name(), &st); err != nil {
			return st, err
		}
	}
	for {
		id, err := c.claim(ctx)
		if err != nil {
			return st, err
		}
		if id != "" {
			if err := c.finish(ctx, id, &st); err != nil {
				return st, err
			}
			continue
		}
		if !c.cfg.Watch {
			return st, nil
		}
		interval := c.cfg.Interval
		if interval <= 0 {
			interval = 10 * time.Second
		}
		select {
		case <-ctx.Done():
			return st, nil
		case <-time.After(interval):
		}
	}
}

// claim asks for a claim and marks its folder before anything is
// downloaded, so a rerun finds it. It returns "" when nothing is ready.
func (c *Client) claim(ctx context.Context) (string, error) {
	body := map[string]any{"max": c.cfg.Max, "kinds": c.cfg.Kinds, "templates": c.cfg.Templates,
		"lease_seconds": int(c.cfg.Lease / time.Second)}
	var m orders.Manifest
	if err := c.call(ctx, http.MethodPost, "/v1/shop/claims", body, &m); err != nil {
		return "", err
	}
	if m.ClaimID == "" {
		return "", nil
	}
	dir := filepath.Join(c.cfg.Dir, m.ClaimID)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", diskError(err)
	}
	stamp := fmt.Sprintf("{\"claim_id\":%q,\"server\":%q,\"expires_at\":%q}\n", m.ClaimID, c.cfg.Server, m.ExpiresAt.Format(time.RFC3339))
	if err := writeAtomic(filepath.Join(dir, ".claim"), []byte(stamp)); err != nil {
		return "", err
	}
	c.prog.line("claimed %s: %d orders until %s", m.ClaimID, len(m.Orders), m.ExpiresAt.Local().Format("15:04:05"))
	return m.ClaimID, nil
}

// finish downloads what the claim's folder lacks, verifies it, writes the
// manifest (and imposition), acks every order and marks the folder done.
func (c *Client) finish(ctx context.Context, claimID string, st *Stats) error {
	dir := filepath.Join(c.cfg.Dir, claimID)
	unlock, ok, err := lockDir(dir)
	if err != nil {
		return diskError(err)
	}
	if !ok {
		c.prog.line("claim %s is being pulled by another client; skipped", claimID)
		return nil
	}
	defer unlock()
	removeParts(dir)
	var m orders.Manifest
	if err := c.call(ctx, http.MethodGet, "/v1/shop/claims/"+url.PathEscape(claimID), nil, &m); err != nil {
		return err
	}
	st.Claims++
	var todo []orders.ManifestOrder
	var total int64
	files := 0
	for _, o := range m.Orders {
		if o.Ack != nil {
			continue
		}
		todo = append(todo, o)
		for _, it := range o.Items {
			for _, f := range it.Files {
				total += f.Size
				files++
			}
		}
	}
	c.prog.start(claimID, files, total)
	for _, o := range todo {
		for _, it := range o.Items {
			for _, f := range it.Files {
				fetched, err := c.fetch(ctx, dir, f)
				if err != nil {
					c.prog.done()
					return err
				}
				if fetched {
					st.Downloaded++
					st.Bytes += f.Size
				} else {
					st.Verified++
				}
			}
		}
	}
	c.prog.done()
	if c.cfg.Impose != "" && len(todo) > 0 {
		if err := c.impose(dir, claimID, todo, &m); err != nil {
			return err
		}
	}
	if err := writeManifest(dir, &m); err != nil {
		return err
	}
	if err := c.packing(ctx, dir, claimID, todo); err != nil {
		return err
	}
	for _, o := range todo {
		var res struct{ Acks []struct{ Changed bool } }
		err := c.call(ctx, http.MethodPost, "/v1/shop/claims/"+url.PathEscape(claimID)+"/ack",
			orders.Ack{OrderID: o.ID, Outcome: orders.OutcomePrinted}, &res)
		var ae *apiError
		if errors.As(err, &ae) && ae.status == http.StatusConflict {
			// The lease ran out and the order went elsewhere, or the fan
			// cancelled it: say so and leave its files marked.
			c.prog.line("order %s: %s (its files stay in %s; do not make it)", o.ID, ae.message, filepath.Join(dir, o.ID))
			writeAtomic(filepath.Join(dir, o.ID, "NOT-YOURS.txt"), []byte(ae.message+"\n"))
			continue
		} else if err != nil {
			return err
		}
		st.Orders++
	}
	c.prog.line("claim %s done: %d orders in %s", claimID, len(todo), dir)
	return writeAtomic(filepath.Join(dir, ".done"), []byte(time.Now().UTC().Format(time.RFC3339)+"\n"))
}

// fetch makes dir/f.Path hold f's bytes: a file already there with the
// right size and SHA-256 is kept; otherwise it is downloaded to a .part
// file, verified, synced and renamed into place. It reports whether it
// downloaded.
func (c *Client) fetch(ctx context.Context, dir string, f orders.ManifestFile) (bool, error) {
	target := filepath.Join(dir, filepath.FromSlash(f.Path))
	if ok, _ := verify(target, f.Size, f.SHA256); ok {
		c.prog.file(f.Path, f.Size, false)
		return false, nil
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return false, diskError(err)
	}
	var lastErr error
	for attempt := 1; attempt <= 3; attempt++ {
		err := c.download(ctx, f, target)
		if err == nil {
			c.prog.file(f.Path, f.Size, true)
			return true, nil
		}
		if errors.Is(err, ErrDiskFull) || ctx.Err() != nil {
			return false, err
		}
		lastErr = err
		c.prog.line("%s: %v; retrying", f.Path, err)
		time.Sleep(time.Duration(attempt) * time.Second)
	}
	return false, fmt.Errorf("download %s: %w", f.Path, lastErr)
}

func (c *Client) download(ctx context.Context, f orders.ManifestFile, target string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.URL, nil)
	if err != nil {
		return fmt.Errorf("bad file URL: %w", err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUnreachable, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("the file server answered %s", resp.Status)
	}
	tmp, err := os.CreateTemp(filepath.Dir(target), "."+filepath.Base(target)+".*.part")
	if err != nil {
		return diskError(err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename this is a no-op
	h := sha256.New()
	var src io.Reader = io.LimitReader(resp.Body, f.Size+1)
	if c.cfg.RateLimit > 0 {
		src = &throttled{r: src, rate: c.cfg.RateLimit, start: time.Now()}
	}
	n, err := io.Copy(io.MultiWriter(tmp, h, c.prog), src)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return diskError(fmt.Errorf("write %s: %w", f.Path, err))
	}
	if got := hex.EncodeToString(h.Sum(nil)); n != f.Size || got != f.SHA256 {
		return fmt.Errorf("%s: got %d bytes with sha256 %s, the manifest says %d bytes %s", f.Path, n, got, f.Size, f.SHA256)
	}
	if err := os.Rename(tmp.Name(), target); err != nil {
		return diskError(err)
	}
	syncDir(filepath.Dir(target))
	return nil
}

// impose imposes the downloaded photo and card print files.
func (c *Client) impose(dir, claimID string, todo []orders.ManifestOrder, m *orders.Manifest) error {
	sheet, _ := impose.LookupSheet(c.cfg.Impose)
	var pieces []impose.Piece
	for _, o := range todo {
		for _, it := range o.Items {
			if it.Kind == orders.KindVoice {
				continue
			}
			for _, f := range it.Files {
				if f.Role != orders.RoleOutput {
					continue
				}
				data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.Path)))
				if err != nil {
					return err
				}
				pieces = append(pieces, impose.Piece{OrderID: o.ID, ItemID: it.ID, File: f.Name, Copies: it.Quantity,
					TrimWMM: it.TrimMM[0], TrimHMM: it.TrimMM[1], ContentType: f.ContentType, Data: data, DPI: it.DPI})
			}
		}
	}
	if len(pieces) == 0 {
		return nil
	}
	pdf, sm, err := impose.Impose(sheet, pieces, impose.Options{Title: "oshigoods claim " + claimID,
		OutputICC: c.cfg.OutputICC, OutputICCName: c.cfg.OutputICCName})
	if err != nil {
		return fmt.Errorf("impose claim %s: %s", claimID, errorMessage(err))
	}
	m.Sheets = sm
	name := "imposition-" + sheet.Name + ".pdf"
	c.prog.line("imposed %d sheets on %s: %s", len(sm.Pages), sheet.Name, filepath.Join(dir, name))
	return writeAtomic(filepath.Join(dir, name), pdf)
}

// packing writes the claim's packing slips and the carrier's label file
// beside the manifest when an order of todo has printed goods to ship. An
// answer that there is nothing to ship, or that the server lacks the
// shop's sender details, is reported and the pull goes on: the files are
// for packing, not for printing.
func (c *Client) packing(ctx context.Context, dir, claimID string, todo []orders.ManifestOrder) error {
	ship := false
	for _, o := range todo {
		ship = ship || o.ShipTo != nil
	}
	if !ship {
		return nil
	}
	layout := c.cfg.Carrier
	if layout == "" {
		layout = "yamato-b2"
	}
	docs := []struct{ name, path string }{{"packing-slips.pdf", "/packing-slips.pdf"}}
	if layout != "none" {
		docs = append(docs, struct{ name, path string }{"shipping-" + layout + ".csv", "/shipping.csv?carrier=" + url.QueryEscape(layout)})
	}
	for _, d := range docs {
		data, err := c.get(ctx, "/v1/shop/claims/"+url.PathEscape(claimID)+d.path)
		var ae *apiError
		if errors.As(err, &ae) && ae.status != http.StatusInternalServerError && ae.status != http.StatusServiceUnavailable {
			c.prog.line("claim %s: no %s: %s", claimID, d.name, ae.message)
			continue
		} else if err != nil {
			return err
		}
		if err := writeAtomic(filepath.Join(dir, d.name), data); err != nil {
			return diskError(err)
		}
		c.prog.line("wrote %s", filepath.Join(dir, d.name))
	}
	return nil
}

// writeManifest writes manifest.json and manifest.csv, without URLs.
func writeManifest(dir string, m *orders.Manifest) error {
	for i := range m.Orders {
		for j := range m.Orders[i].Items {
			for k := range m.Orders[i].Items[j].Files {
				m.Orders[i].Items[j].Files[k].URL = ""
			}
		}
	}
	js, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := writeAtomic(filepath.Join(dir, "manifest.json"), append(js, '\n')); err != nil {
		return err
	}
	var csv bytes.Buffer
	if err := m.WriteCSV(&csv); err != nil {
		return err
	}
	return writeAtomic(filepath.Join(dir, "manifest.csv"), csv.Bytes())
}

// writeAtomic writes data to a temporary file beside path, syncs it and
// renames it into place.
func writeAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return diskError(err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.part")
	if err != nil {
		return diskError(err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return diskError(fmt.Errorf("write %s: %w", path, err))
	}
	syncDir(filepath.Dir(path))
	return nil
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// removeParts deletes the .part files an interrupted run left.
func removeParts(dir string) {
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".part") {
			os.Remove(p)
		}
		return nil
	})
}

// verify reports whether path holds size bytes with the given SHA-256.
func verify(path string, size int64, sum string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || fi.Size() != size {
		return false, err
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return false, err
	}
	return hex.EncodeToString(h.Sum(nil)) == sum, nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// diskError marks a full disk as ErrDiskFull.
func diskError(err error) error {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return fmt.Errorf("%w: %v", ErrDiskFull, err)
	}
	return err
}

// throttled reads at most rate bytes per second on average.
type throttled struct {
	r     io.Reader
	rate  int64
	start time.Time
	n     int64
}

func (t *throttled) Read(p []byte) (int, error) {
	if max := int(t.rate/10) + 1; len(p) > max {
		p = p[:max]
	}
	n, err := t.r.Read(p)
	t.n += int64(n)
	if due := time.Duration(float64(t.n) / float64(t.rate) * float64(time.Second)); due > time.Since(t.start) {
		time.Sleep(due - time.Since(t.start))
	}
	return n, err
}
