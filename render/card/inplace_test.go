package card

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"oshigoods/render"
)

// inPlaceFS serves files as the template loader does: they stay in memory
// (InMemory), their sums are known (Sum), and each opened file reads at an
// offset. A font's file refuses to be read whole, so a font compiled from
// it must be parsed in place.
type inPlaceFS struct {
	m fstest.MapFS
	// salt makes Sum differ from a font's real SHA-256, so that the faces
	// parsed from other file systems by other tests are not reused.
	salt  string
	mu    sync.Mutex
	fonts int // fonts opened
}

func (f *inPlaceFS) InMemory() bool { return true }

func (f *inPlaceFS) Sum(name string) ([sha256.Size]byte, error) {
	file, ok := f.m[name]
	if !ok {
		return [sha256.Size]byte{}, &fs.PathError{Op: "sum", Path: name, Err: fs.ErrNotExist}
	}
	return sha256.Sum256(append([]byte(f.salt), file.Data...)), nil
}

func (f *inPlaceFS) Open(name string) (fs.File, error) {
	file, err := f.m.Open(name)
	if err != nil || !strings.HasSuffix(name, ".ttf") {
		return file, err
	}
	f.mu.Lock()
	f.fonts++
	f.mu.Unlock()
	return readAtOnly{file, file.(io.ReaderAt)}, nil
}

// readAtOnly is a file that reads at an offset only.
type readAtOnly struct {
	fs.File
	io.ReaderAt
}

func (readAtOnly) Read([]byte) (int, error) { return 0, errors.New("a font is read whole") }

// TestCompileInPlace checks that a font of a file system whose files stay
// in memory is parsed in place (never read whole) and gives the same print
// file and preview, byte for byte, as the font read whole; and that
// templates compiled at once share one parse of it.
func TestCompileInPlace(t *testing.T) {
	in := render.Inputs{Fields: map[string]string{"to": "さくら", "message": probeMsg["card-letter-tate"]}, Profile: jpStandard(t), OrderedAt: ordered}
	spec := shippedSpec(t, "card-letter-tate", nil)
	c, err := parseSpec(spec)
	if err != nil {
		t.Fatal(err)
	}
	m := fstest.MapFS{}
	for _, p := range []string{c.Font, c.FallbackFont, c.SignatureImage} {
		data, err := os.ReadFile(filepath.Join(templatesDir, p))
		if err != nil {
			t.Fatal(err)
		}
		m[p] = &fstest.MapFile{Data: data}
	}
	fsys := &inPlaceFS{m: m, salt: t.Name()}

	want, err := compileSpec(t, spec).Render(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	const n = 3
	tpls := make([]render.Renderer, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { tpls[i], errs[i] = Compile(spec, fsys) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("compile %d: %v", i, errs[i])
		}
		if a, b := tpls[i].(*Template).fonts, tpls[0].(*Template).fonts; a.primary != b.primary || a.fallback != b.fallback {
			t.Errorf("compile %d parsed its own fonts", i)
		}
	}
	if fsys.fonts != 2 {
		t.Errorf("fonts opened %d times, want 2: once each, shared", fsys.fonts)
	}
	got, err := tpls[0].Render(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range want.Files {
		if !bytes.Equal(got.Files[i].Data, f.Data) {
			t.Errorf("%s differs from the one rendered with the fonts read whole", f.Name)
		}
	}
}
