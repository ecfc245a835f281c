// Command photobench measures the photo renderer for bench/photo.sh.
//
// With -in it renders one photo into the shipped photo-2shot-l template and
// writes photo.jpg and preview.jpg to -out: a whole process (load and
// compile the photo template, read and check the upload, render, write),
// the render steps of `oshigoods render` (which bench/photo.sh times),
// here to profile with -cpuprofile. It compiles only the photo template,
// so other kinds' assets do not count.
//
// With -rss it measures a worker's memory: it generates an -mp megapixel
// phone-like JPEG (or takes -in) and renders -jobs copies of it, -concurrency at a
// time, the way the worker's asynq server runs render tasks (each job
// holds its upload's bytes, decodes, renders and keeps the result until
// it is stored), then prints the peak resident set (VmHWM) and the time.
//
// Usage:
//
//	photobench -in photo.jpg -out DIR [-profile jp-standard]
//	photobench -rss [-mp 24 | -in upload] [-concurrency 2] [-jobs 8]
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/jpeg"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"sync"
	"time"

	"oshigoods/orders"
	"oshigoods/render"
	"oshigoods/render/photo"
	"oshigoods/templates"
)

func main() {
	in := flag.String("in", "", "photo to render")
	out := flag.String("out", "", "folder to write the rendered files to")
	profile := flag.String("profile", "", "print profile (default: the default profile)")
	rss := flag.Bool("rss", false, "measure peak memory of concurrent renders instead")
	mp := flag.Float64("mp", 24, "with -rss: megapixels of each generated upload")
	conc := flag.Int("concurrency", 2, "with -rss: renders at a time")
	jobs := flag.Int("jobs", 8, "with -rss: renders in all")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the run to this file")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "photobench:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	var err error
	if *rss {
		err = measure(*profile, *in, *mp, *conc, *jobs)
	} else {
		err = renderOne(*in, *out, *profile)
	}
	if err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "photobench:", err)
		os.Exit(1)
	}
}

// compile compiles the shipped photo-2shot-l template alone.
func compile() (*photo.Template, error) {
	b, err := fs.ReadFile(templates.FS(), "photo-2shot-l/template.json")
	if err != nil {
		return nil, err
	}
	var m struct {
		Photo json.RawMessage `json:"photo"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	r, err := photo.Compile(m.Photo, templates.FS())
	if err != nil {
		return nil, err
	}
	return r.(*photo.Template), nil
}

func renderOne(in, out, profileName string) error {
	if in == "" || out == "" {
		return fmt.Errorf("-in and -out are required")
	}
	t, err := compile()
	if err != nil {
		return err
	}
	profile, err := render.LookupProfile(profileName)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	if _, _, _, err := orders.CheckImage(data, orders.Limits{}, templates.ProbeImage); err != nil {
		return err
	}
	res, err := t.Render(context.Background(), render.Inputs{Images: map[string][]byte{photo.FieldPhoto: data}, Profile: profile})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	for _, f := range res.Files {
		if err := os.WriteFile(filepath.Join(out, f.Name), f.Data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func measure(profileName, in string, mp float64, conc, jobs int) error {
	t, err := compile()
	if err != nil {
		return err
	}
	profile, err := render.LookupProfile(profileName)
	if err != nil {
		return err
	}
	// 4:3 portrait, as a phone's camera: 24 MP is 4243×5657.
	w := int(math.Sqrt(mp * 1e6 * 3 / 4))
	h := w * 4 / 3
	// One upload, generated (or read, with -in) before the clock and the
	// peak start; each job gets its own copy, as each task downloads its
	// upload from S3.
	var upload []byte
	if in != "" {
		if upload, err = os.ReadFile(in); err != nil {
			return err
		}
		info, err := photo.Probe(upload)
		if err != nil {
			return err
		}
		w, h = info.Width, info.Height
	} else {
		upload = phoneJPEG(w, h, 1)
	}
	runtime.GC()
	debug.FreeOSMemory()
	resetPeakRSS()
	start := time.Now()
	sem := make(chan struct{}, conc)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	for range jobs {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			data := bytes.Clone(upload)
			res, err := t.Render(context.Background(), render.Inputs{Images: map[string][]byte{photo.FieldPhoto: data}, Profile: profile})
			if err == nil && len(res.Files) == 0 {
				err = fmt.Errorf("no files")
			}
			if err != nil {
				mu.Lock()
				first = err
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if first != nil {
		return first
	}
	fmt.Printf("renders=%d concurrency=%d upload=%dx%d (%.0f MP, %.1f MB) time=%.2fs peak_rss_mb=%d\n",
		jobs, conc, w, h, float64(w*h)/1e6, float64(len(upload))/1e6, time.Since(start).Seconds(), peakRSS()>>20)
	return nil
}

// phoneJPEG makes a w×h JPEG at quality 92 with detail everywhere (noise
// over gradients), so it decodes like a photo rather than a flat card.
func phoneJPEG(w, h int, seed uint64) []byte {
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	rnd := rand.New(rand.NewPCG(seed, 1))
	for y := range h {
		row := img.Y[y*img.YStride:]
		for x := range w {
			row[x] = uint8(40 + (x*150)/w + rnd.IntN(40))
		}
	}
	for i := range img.Cb {
		img.Cb[i], img.Cr[i] = uint8(110+rnd.IntN(20)), uint8(130+rnd.IntN(20))
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 92}); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// resetPeakRSS starts VmHWM again from the current resident set (Linux's
// clear_refs "5"), so that making the upload does not count.
func resetPeakRSS() {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// peakRSS reads the process's peak resident set size from /proc.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int64
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), &kb)
			return kb << 10
		}
	}
	return 0
}
