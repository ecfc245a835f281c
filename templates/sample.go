package templates

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	_ "image/png" // previews and frames are PNGs
	"io"
	"math"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"oshigoods/render"
	"oshigoods/render/pdfx"
	"oshigoods/render/voice"
)

// SampleName is the name sample inputs give a name field ("name", "to").
const SampleName = "さくら"

// SampleInputs are a sample order's inputs for a template's fields, made
// for the print profile: a generated test photo (SamplePhoto) in each
// image field, SampleName in a name field ("name", "to") and in any other
// required text field, a text field's default otherwise, the first choice
// of a choice field, the first choices of a list (as many as it needs, at
// least one), a number's default or its minimum.
func SampleInputs(fields []render.Field, out render.Output, profile render.Profile) render.Inputs {
	in := render.Inputs{Fields: map[string]string{}, Images: map[string][]byte{}, Profile: profile}
	for _, f := range fields {
		var v string
		switch f.Type {
		case render.FieldImage:
			v = "sample-photo.jpg"
			in.Images[f.Name] = SamplePhoto(out)
		case render.FieldText:
			switch {
			case f.Name == "name" || f.Name == "to" || f.Required && f.Default == "":
				v = SampleName
				if f.MaxLength > 0 && len([]rune(v)) > f.MaxLength {
					v = string([]rune(v)[:f.MaxLength])
				}
			default:
				v = f.Default
			}
		case render.FieldChoice:
			v = f.Default
			if len(f.Choices) > 0 {
				v = f.Choices[0].Value
			}
		case render.FieldList:
			n := min(max(f.MinItems, 1), len(f.Choices))
			vals := make([]string, n)
			for i := range vals {
				vals[i] = f.Choices[i].Value
			}
			v = strings.Join(vals, ",")
		case render.FieldNumber:
			v = f.Default
			if v == "" {
				v = strconv.Itoa(f.Min)
			}
		}
		if v != "" {
			in.Fields[f.Name] = v
		}
	}
	return in
}

// SamplePhoto is a generated test photo for an image field: a JPEG with
// the product's aspect at its print resolution (1200×1600 px when the
// template declares no size), so that it prints sharp in any slot: a sky,
// a path through grass and a person on the left third. The same output
// gives the same bytes.
func SamplePhoto(out render.Output) []byte {
	w, h := 1200, 1600
	if out.WidthMM > 0 && out.HeightMM > 0 {
		dpi := float64(max(out.DPI, 300))
		w, h = int(math.Ceil(out.WidthMM/25.4*dpi)), int(math.Ceil(out.HeightMM/25.4*dpi))
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	fw, fh := float64(w), float64(h)
	for y := range h {
		for x := range w {
			u, v := float64(x)/fw, float64(y)/fh
			c := color.RGBA{uint8(150 + 80*v), uint8(200 + 40*v), 255, 255} // sky
			if v > 0.62 {                                                   // grass with a light path
				c = color.RGBA{uint8(110 + 40*u), uint8(180 - 30*v), 110, 255}
				if math.Abs(u-0.5) < (v-0.62)*0.9 {
					c = color.RGBA{235, 215, 180, 255}
				}
			}
			// A person on the left third: a head over shoulders.
			if hx, hy := (u-0.3)*fw/fh, v-0.38; hx*hx+hy*hy < 0.075*0.075 {
				c = color.RGBA{250, 220, 200, 255}
			}
			if bx, by := (u-0.3)*fw/fh, v-0.62; by > -0.15 && bx*bx/(0.16*0.16)+by*by/(0.17*0.17) < 1 {
				c = color.RGBA{90, 120, 200, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	var b bytes.Buffer
	jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}) // writing to memory cannot fail
	return b.Bytes()
}

// sample renders the template from SampleInputs, checks the files and
// writes them to opts.Out/<id>/. A template's failure is a problem; the
// error is for a file that cannot be written.
func sample(ctx context.Context, tpl *Template, opts CheckOptions, tr *TemplateReport) error {
	file := tr.ID + "/template.json"
	in := SampleInputs(tpl.Fields(), tpl.Output(), opts.Profile)
	what := "the sample order (" + describe(tpl.Fields(), in) + ")"
	warnings, err := tpl.Validate(ctx, in)
	if err != nil {
		tr.Problems = append(tr.Problems, problemOf(file, tpl.Kind, what+" is refused", err))
		return nil
	}
	res, err := tpl.Render(ctx, in)
	if err != nil {
		tr.Problems = append(tr.Problems, problemOf(file, tpl.Kind, what+" does not render", err))
		return nil
	}
	tr.Rendered = true
	seen := map[string]bool{}
	for _, w := range append(warnings, res.Warnings...) {
		if !seen[w] {
			seen[w] = true
			tr.Notes = append(tr.Notes, w)
		}
	}
	for _, msg := range checkFiles(tpl, res, opts.Profile) {
		tr.Problems = append(tr.Problems, render.Problem{File: file, Field: string(tpl.Kind), Message: "sample " + msg})
	}
	if opts.Out == "" {
		return nil
	}
	dir := filepath.Join(opts.Out, tr.ID)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write samples: %w", err)
	}
	for _, f := range res.Files {
		p := filepath.Join(dir, path.Base(f.Name))
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			return fmt.Errorf("write samples: %w", err)
		}
		tr.Samples = append(tr.Samples, p)
	}
	return nil
}

// describe lists a sample's fields as name=value, an image as a test photo.
func describe(fields []render.Field, in render.Inputs) string {
	var parts []string
	for _, f := range fields {
		v, ok := in.Fields[f.Name]
		switch {
		case !ok:
			continue
		case f.Type == render.FieldImage:
			v = "a test photo"
		}
		parts = append(parts, f.Name+"="+v)
	}
	return strings.Join(parts, ", ")
}

// checkFiles checks a render's files as a print shop and a fan would get
// them: a print file and a preview; a PDF's trim box at the template's
// size, its bleed the profile's and its fonts embedded; a JPEG at the
// template's size and resolution, bleed included; a WAV of 16-bit PCM that
// is not silent. It returns what is wrong, one message each, starting with
// the file's name.
func checkFiles(tpl *Template, res *render.Result, profile render.Profile) []string {
	var msgs []string
	roles := map[render.Role]bool{}
	out := tpl.Output()
	for _, f := range res.Files {
		roles[f.Role] = true
		if len(f.Data) == 0 {
			msgs = append(msgs, f.Name+" is empty.")
			continue
		}
		var err error
		switch strings.ToLower(path.Ext(f.Name)) {
		case ".pdf":
			err = checkPDF(f, out, profile)
		case ".jpg", ".jpeg", ".png":
			err = checkImage(f, out, profile)
		case ".wav":
			err = checkWAV(f.Data)
		case ".mp3":
			if !bytes.HasPrefix(f.Data, []byte("ID3")) && !(f.Data[0] == 0xff && f.Data[1]&0xe0 == 0xe0) {
				err = errors.New("is not an MP3 file")
			}
		}
		if err != nil {
			msgs = append(msgs, f.Name+" "+err.Error())
		}
	}
	for _, r := range []render.Role{render.RoleOutput, render.RolePreview} {
		if !roles[r] {
			msgs = append(msgs, fmt.Sprintf("render made no %s file.", r))
		}
	}
	return msgs
}

// mmTolerance is how far a PDF box may be from the size asked for.
const mmTolerance = 0.2

func checkPDF(f render.File, out render.Output, profile render.Profile) error {
	info, err := pdfx.Inspect(f.Data)
	if err != nil {
		return err
	}
	if f.Role != render.RoleOutput {
		return nil
	}
	trim := info.TrimBox
	if out.WidthMM > 0 && (math.Abs(trim.W()-out.WidthMM) > mmTolerance || math.Abs(trim.H()-out.HeightMM) > mmTolerance) {
		return fmt.Errorf("has a %.1f×%.1f mm trim box; the template declares %g×%g mm.", trim.W(), trim.H(), out.WidthMM, out.HeightMM)
	}
	if b := info.BleedBox; b.W() > 0 {
		if bleed := (b.W() - trim.W()) / 2; math.Abs(bleed-profile.BleedMM) > mmTolerance {
			return fmt.Errorf("has %.1f mm of bleed; the print profile %s asks for %g mm.", bleed, profile.Name, profile.BleedMM)
		}
	}
	var loose []string
	for _, font := range info.Fonts {
		if !font.Embedded {
			loose = append(loose, font.Name)
		}
	}
	if len(loose) > 0 {
		return fmt.Errorf("does not embed the font %s: a print shop would substitute another.", strings.Join(loose, ", "))
	}
	return nil
}

func checkImage(f render.File, out render.Output, profile render.Profile) error {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(f.Data))
	if err != nil {
		return fmt.Errorf("does not decode: %v", err)
	}
	if want := strings.TrimPrefix(f.ContentType, "image/"); want != "" && want != format {
		return fmt.Errorf("is a %s, sent as %s.", format, f.ContentType)
	}
	if f.Role != render.RoleOutput || out.DPI == 0 || out.WidthMM == 0 {
		return nil
	}
	px := func(mm float64) int { return int(math.Round(mm / 25.4 * float64(out.DPI))) }
	b := profile.BleedMM
	w, h := px(out.WidthMM+2*b), px(out.HeightMM+2*b)
	if abs(cfg.Width-w) > 1 || abs(cfg.Height-h) > 1 {
		return fmt.Errorf("is %d×%d px; %g×%g mm with %g mm of bleed at %d dpi is %d×%d px.", cfg.Width, cfg.Height, out.WidthMM, out.HeightMM, b, out.DPI, w, h)
	}
	return nil
}

func abs(n int) int { return max(n, -n) }

// silentDBFS is the peak under which a clip is taken for silent.
const silentDBFS = -40

// checkWAV checks a rendered clip, read as the voice renderer reads WAV
// (voice.InspectWAV): 16-bit PCM, some audio, a peak above silentDBFS.
func checkWAV(data []byte) error {
	info, err := voice.InspectWAV(data)
	switch {
	case err != nil:
		return fmt.Errorf("does not decode: %v.", err)
	case info.Float || info.Bits != 16:
		return fmt.Errorf("has %d-bit samples (float %t); want 16-bit PCM.", info.Bits, info.Float)
	case info.Seconds == 0:
		return errors.New("has no audio.")
	}
	if db := 20 * math.Log10(info.Peak+1e-12); db < silentDBFS {
		return fmt.Errorf("is silent: its peak is %.0f dBFS (%.1f s at %d Hz).", db, info.Seconds, info.Rate)
	}
	return nil
}

// Write prints the report: one line per problem, "FILE: FIELD: message"
// ("FILE: FIELD: warning: message" for a warning), then a summary line per
// template (its id, kind, verdict and samples, with the sample's notes
// indented below), then the totals.
func (r *Report) Write(w io.Writer) error {
	var b strings.Builder
	line := func(p render.Problem) {
		mark := ""
		if p.Warning {
			mark = "warning: "
		}
		fmt.Fprintf(&b, "%s: %s: %s%s\n", p.File, p.Field, mark, p.Message)
	}
	for _, p := range r.Problems {
		line(p)
	}
	for i := range r.Templates {
		for _, p := range r.Templates[i].Problems {
			line(p)
		}
	}
	if b.Len() > 0 {
		b.WriteString("\n")
	}
	width := 0
	for i := range r.Templates {
		width = max(width, len(r.Templates[i].ID))
	}
	failed := 0
	for i := range r.Templates {
		t := &r.Templates[i]
		verdict := "ok"
		if t.Errors() > 0 {
			failed++
			verdict = "FAIL"
		}
		counts := plural(t.Errors(), "error") + ", " + plural(t.Warnings(), "warning")
		kind := string(t.Kind)
		if kind == "" {
			kind = "?"
		}
		fmt.Fprintf(&b, "%-4s  %-*s  %-5s  %s", verdict, width, t.ID, kind, counts)
		if t.Replaces {
			b.WriteString("; replaces the built-in template")
		}
		switch {
		case len(t.Samples) > 0:
			names := make([]string, len(t.Samples))
			for j, s := range t.Samples {
				names[j] = filepath.Base(s)
			}
			fmt.Fprintf(&b, "; samples in %s: %s", filepath.Dir(t.Samples[0]), strings.Join(names, ", "))
		case t.Rendered:
			b.WriteString("; sample rendered")
		default:
			b.WriteString("; no sample")
		}
		b.WriteString("\n")
		for _, n := range t.Notes {
			fmt.Fprintf(&b, "      sample note: %s\n", n)
		}
	}
	fmt.Fprintf(&b, "%s checked: %d ok, %d failed; %s, %s.\n", plural(len(r.Templates), "template"), len(r.Templates)-failed, failed, plural(r.Errors(), "error"), plural(r.Warnings(), "warning"))
	_, err := io.WriteString(w, b.String())
	return err
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
