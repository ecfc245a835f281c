package voice

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"oshigoods"
	"oshigoods/render"
)

// Check refuses, at order time, a clip longer than its preset allows,
// with a 422 naming "lines" when even one pass is too long and "repeat"
// otherwise, and saying by how much. It computes the length from the clip
// lengths alone, without rendering audio.
func (t *Template) Check(ctx context.Context, in render.Inputs) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	o, err := t.parse(in)
	if err != nil {
		return nil, err
	}
	return nil, t.checkLength(o)
}

func (t *Template) checkLength(o order) error {
	limit := o.preset.MaxSeconds
	secs := t.seconds(o, o.repeat)
	if secs <= limit {
		return nil
	}
	if one := t.seconds(o, 1); one > limit {
		return oshigoods.FieldErrorf("lines", "the clip would be %.1f s long even without repeats, %.1f s over the %.0f s limit of the %s preset; choose fewer or shorter lines.", one, one-limit, limit, o.preset.Name)
	}
	best := 1
	for r := o.repeat - 1; r > 1; r-- {
		if t.seconds(o, r) <= limit {
			best = r
			break
		}
	}
	return oshigoods.FieldErrorf("repeat", "the clip would be %.1f s long, %.1f s over the %.0f s limit of the %s preset; choose at most %d repeats or fewer lines.", secs, secs-limit, limit, o.preset.Name, best)
}

// job is one render in progress; steps fill it in turn.
type job struct {
	t       *Template
	o       order
	preset  Preset
	repeats int
	name    string // file name stem: "alarm" or "preview"
	role    render.Role

	bank     *bank
	segs     []segment
	total    int
	audio    [][]float32 // the mix; see mixClip for when it has fewer channels than the preset
	files    []render.File
	warnings []string
}

// step is one stage of a render; steps run in order with ctx checked
// between them.
type step func(*job) error

// pipeline is a render as its list of steps.
type pipeline []step

var (
	alarmPipeline   = pipeline{layoutClip, mixClip, normaliseClip, spreadChannels, encodeWAV, encodeMP3}
	previewPipeline = pipeline{layoutPreview, mixClip, watermark, normaliseClip, spreadChannels, encodePreview}
)

func (p pipeline) run(ctx context.Context, j *job) error {
	for _, s := range p {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := s(j); err != nil {
			return err
		}
	}
	return nil
}

// Render produces, for the phone preset, alarm.wav (44.1 kHz stereo
// 16-bit), alarm.mp3 (128 kbps; only in builds with -tags lame, else a
// warning says it was left out) and the preview; for the module preset,
// alarm.wav (22.05 kHz mono 16-bit) and the preview. The preview is
// preview.mp3 with -tags lame and preview.wav without. The same inputs
// give the same bytes.
func (t *Template) Render(ctx context.Context, in render.Inputs) (*render.Result, error) {
	if err := render.ValidateFields(t.fields, in); err != nil {
		return nil, err
	}
	o, err := t.parse(in)
	if err != nil {
		return nil, err
	}
	if err := t.checkLength(o); err != nil {
		return nil, err
	}
	// The preview is independent of the clip: render it alongside.
	var (
		prev    render.File
		prevErr error
		wg      sync.WaitGroup
	)
	wg.Go(func() { prev, prevErr = t.preview(ctx, o) })
	main := &job{t: t, o: o, preset: o.preset, repeats: o.repeat, name: "alarm", role: render.RoleOutput}
	err = alarmPipeline.run(ctx, main)
	wg.Wait()
	if err != nil {
		return nil, err
	}
	if prevErr != nil {
		return nil, prevErr
	}
	// The clip's preflight: a WAV, no page.
	pf := &render.Preflight{Format: "wav", Warnings: append([]string{}, main.warnings...)}
	for _, f := range main.files {
		if f.Role == render.RoleOutput && strings.HasSuffix(f.Name, ".wav") {
			pf.File = f.Name
			break
		}
	}
	return &render.Result{Files: append(main.files, prev), Warnings: main.warnings, Preflight: pf}, nil
}

// Preview renders only the 試聴 clip: the first pass of the sequence,
// mono 22.05 kHz, cut at 12 s, with a 3 kHz watermark tone every 3 s. It
// is quick enough (about 20 ms) to call while a fan is choosing, and is
// the same file Render returns with role preview. It does not apply the
// preset's length limit: a fan may listen before shortening the clip.
func (t *Template) Preview(ctx context.Context, in render.Inputs) (*render.File, error) {
	if err := render.ValidateFields(t.fields, in); err != nil {
		return nil, err
	}
	o, err := t.parse(in)
	if err != nil {
		return nil, err
	}
	f, err := t.preview(ctx, o)
	if err != nil {
		return nil, err
	}
	return &f, nil
}

func (t *Template) preview(ctx context.Context, o order) (render.File, error) {
	j := &job{t: t, o: o, preset: previewPreset, repeats: 1, name: "preview", role: render.RolePreview}
	if err := previewPipeline.run(ctx, j); err != nil {
		return render.File{}, err
	}
	return j.files[0], nil
}

func layoutClip(j *job) error {
	j.bank = j.t.banks[j.preset.Rate]
	j.segs, j.total = j.t.layout(j.o, j.bank, j.repeats)
	return nil
}

// layoutPreview lays out one pass and cuts it at the preview's length;
// clips past the cut are dropped and the one across it is shortened (its
// fade-out then falls at the cut).
func layoutPreview(j *job) error {
	if err := layoutClip(j); err != nil {
		return err
	}
	limit := int(j.preset.MaxSeconds * float64(j.bank.rate))
	if j.total <= limit {
		return nil
	}
	j.total = limit
	var kept []segment
	for _, s := range j.segs {
		if s.start >= limit {
			break
		}
		if s.start+s.n > limit {
			s.n = limit - s.start
		}
		kept = append(kept, s)
	}
	j.segs = kept
	return nil
}

// mixClip mixes the clip. When every sound in it is mono and the preset
// is stereo, its two channels would hold the same samples: it is mixed
// once, normalised as the stereo file it stands for, and written to both
// channels (spreadChannels), which gives the same bytes for half the work.
func mixClip(j *job) error {
	width := j.preset.Channels
	if width == 2 && allMono(j.segs, j.bank) {
		width = 1
	}
	j.audio = j.t.mix(j.segs, j.total, width, j.bank)
	return nil
}

// allMono reports whether every sound of segs and b's music is mono.
func allMono(segs []segment, b *bank) bool {
	if b.bgm != nil && b.bgm.src.f.channels != 1 {
		return false
	}
	for _, s := range segs {
		if s.clip.src.f.channels != 1 {
			return false
		}
	}
	return true
}

// spreadChannels writes a mono mix to every channel of the preset. The
// channels then share one slice, so nothing may change them after.
func spreadChannels(j *job) error {
	for len(j.audio) < j.preset.Channels {
		j.audio = append(j.audio, j.audio[0])
	}
	return nil
}

func watermark(j *job) error {
	addWatermark(j.audio, j.bank.rate)
	return nil
}

func normaliseClip(j *job) error {
	copies := j.preset.Channels / len(j.audio)
	if _, err := normalise(j.audio, copies, j.bank.rate, j.preset.TargetLUFS, j.preset.CeilingTP); err != nil {
		return fmt.Errorf("normalise %s: %w", j.name, err)
	}
	return nil
}

func encodeWAV(j *job) error {
	j.files = append(j.files, render.File{Name: j.name + ".wav", Role: j.role, ContentType: "audio/wav", Data: writeWAV16(j.audio, j.bank.rate)})
	return nil
}

func encodeMP3(j *job) error {
	if j.preset.MP3Kbps == 0 {
		return nil
	}
	if !mp3Available {
		j.warnings = append(j.warnings, fmt.Sprintf("%s.mp3 was not made: this build has no MP3 encoder (build with -tags lame); %s.wav is complete.", j.name, j.name))
		return nil
	}
	data, err := encodeMP3Data(toInt16(j.audio), len(j.audio), j.bank.rate, j.preset.MP3Kbps, j.preset.MP3Quality)
	if err != nil {
		return fmt.Errorf("encode %s.mp3: %w", j.name, err)
	}
	j.files = append(j.files, render.File{Name: j.name + ".mp3", Role: j.role, ContentType: "audio/mpeg", Data: data})
	return nil
}

// encodePreview writes the preview as MP3 when the build has an encoder,
// else as WAV.
func encodePreview(j *job) error {
	if mp3Available {
		return encodeMP3(j)
	}
	return encodeWAV(j)
}
