package voice

import (
	"math"
	"strconv"
	"strings"

	"oshigoods"
	"oshigoods/render"
)

// Assembly: chime → name call → lines, with gaps; the sequence repeats
// with rising volume; every clip is faded in and out so no cut clicks; the
// background music is looped under it all and ducked under the voice.

const (
	leadSeconds  = 0.10   // silence before the first sound
	tailSeconds  = 0.30   // silence after the last
	fadeSeconds  = 0.005  // raised-cosine fade at both ends of every clip
	riseDB       = 12.0   // the first repeat is this much quieter than the last
	bgmXfade     = 0.25   // s: crossfade where the background music loops
	bgmFadeIn    = 0.5    // s
	bgmFadeOut   = 1.0    // s
	duckAttack   = 0.05   // s: the music dips this long before the voice
	duckRelease  = 0.30   // s: and recovers over this long after it
	markEvery    = 3.0    // s: preview watermark period
	markFirst    = 2.0    // s: first watermark, after the chime
	markSeconds  = 0.20   // s: watermark tone length
	markHz       = 3000.0 // above the chime's tones, where the ear is most sensitive
	markBelowVox = 8.0    // dB: watermark loudness under the voice
)

// order is a fan's validated choice.
type order struct {
	name   int
	lines  []int
	repeat int
	preset Preset
}

// parse reads inputs that passed render.ValidateFields. It still rejects
// anything unknown, so a caller that skipped validation gets a field error
// and never a panic.
func (t *Template) parse(in render.Inputs) (order, error) {
	var o order
	name := render.Value(t.fields, in, "name")
	i, ok := t.names[name]
	if !ok {
		return o, oshigoods.FieldErrorf("name", "name: unknown value %q.", name)
	}
	o.name = i
	ids := render.SplitList(render.Value(t.fields, in, "lines"))
	if len(ids) < 1 || len(ids) > t.spec.MaxLines {
		return o, oshigoods.FieldErrorf("lines", "lines takes 1 to %d values; got %d.", t.spec.MaxLines, len(ids))
	}
	for _, id := range ids {
		j, ok := t.lines[id]
		if !ok {
			return o, oshigoods.FieldErrorf("lines", "lines: unknown value %q.", id)
		}
		o.lines = append(o.lines, j)
	}
	n, err := strconv.Atoi(strings.TrimSpace(render.Value(t.fields, in, "repeat")))
	if err != nil || n < 1 || n > maxRepeat {
		return o, oshigoods.FieldErrorf("repeat", "repeat must be a whole number between 1 and %d.", maxRepeat)
	}
	o.repeat = n
	p := render.Value(t.fields, in, "preset")
	found := false
	for _, pr := range Presets {
		if pr.Name == p {
			o.preset, found = pr, true
		}
	}
	if !found {
		return o, oshigoods.FieldErrorf("preset", "preset: unknown value %q.", p)
	}
	return o, nil
}

// segment is one clip placed in the timeline.
type segment struct {
	clip  *sound
	start int     // frame
	n     int     // frames played: the clip's, fewer where the preview cuts it
	gain  float32 // linear
	voice bool    // the music ducks under it
}

// layout places the clips of o at b's rate, repeats times. It touches no
// audio, only lengths, so Check can call it.
func (t *Template) layout(o order, b *bank, repeats int) (segs []segment, total int) {
	rate := float64(b.rate)
	gap := int(math.Round(float64(t.spec.GapMS) / 1000 * rate))
	rgap := int(math.Round(float64(t.spec.RepeatGapMS) / 1000 * rate))
	pos := int(leadSeconds * rate)
	for r := 0; r < repeats; r++ {
		if r > 0 {
			pos += rgap
		}
		db := 0.0
		if repeats > 1 {
			db = -riseDB + riseDB*float64(r)/float64(repeats-1)
		}
		g := float32(dbToGain(db))
		clips := make([]*sound, 0, 2+len(o.lines))
		if b.chime != nil {
			clips = append(clips, b.chime)
		}
		clips = append(clips, b.names[o.name])
		for _, l := range o.lines {
			clips = append(clips, b.lines[l])
		}
		for k, c := range clips {
			if k > 0 {
				pos += gap
			}
			segs = append(segs, segment{clip: c, start: pos, n: c.frames(), gain: g, voice: c != b.chime})
			pos += c.frames()
		}
	}
	return segs, pos + int(tailSeconds*rate)
}

// seconds returns the length of o's clip at its preset.
func (t *Template) seconds(o order, repeats int) float64 {
	b := t.banks[o.preset.Rate]
	_, total := t.layout(o, b, repeats)
	return float64(total) / float64(b.rate)
}

// mix renders segs into channels planar buffers of total frames, with the
// template's background music ducked under the voice.
func (t *Template) mix(segs []segment, total, channels int, b *bank) [][]float32 {
	out := make([][]float32, channels)
	for c := range out {
		out[c] = make([]float32, total)
	}
	fadeN := int(fadeSeconds * float64(b.rate))
	fade := make([]float32, fadeN)
	for i := range fade {
		fade[i] = float32(0.5 - 0.5*math.Cos(math.Pi*(float64(i)+0.5)/float64(fadeN)))
	}
	for _, s := range segs {
		addClip(out, s.clip.pcm(), s.start, s.n, s.gain, fade)
	}
	if b.bgm != nil {
		t.addBGM(out, segs, b)
	}
	return out
}

// addClip adds the first frames of clip at start with gain, faded in and
// out by fade.
func addClip(out [][]float32, clip *pcm, start, frames int, gain float32, fade []float32) {
	n := min(frames, len(out[0])-start)
	f := min(len(fade), n/2)
	for c := range out {
		var src []float32
		switch {
		case len(clip.ch) == len(out):
			src = clip.ch[c]
		case len(clip.ch) == 1:
			src = clip.ch[0]
		}
		dst := out[c][start : start+n]
		for i := 0; i < n; i++ {
			var v float32
			if src != nil {
				v = src[i]
			} else { // stereo clip into mono output
				v = (clip.ch[0][i] + clip.ch[1][i]) / 2
			}
			g := gain
			if i < f {
				g *= fade[i]
			} else if j := n - 1 - i; j < f {
				g *= fade[j]
			}
			dst[i] += v * g
		}
	}
}

// addBGM loops the background music under the whole clip with a
// crossfade at each loop, fades it in and out, and ducks it under every
// voice segment. It works through the clip bgmChunk frames at a time, so
// the duck envelope is never held whole, the two halves at once (halves).
func (t *Template) addBGM(out [][]float32, segs []segment, b *bank) {
	total := len(out[0])
	rate := float64(b.rate)
	att, rel := int(duckAttack*rate), int(duckRelease*rate)
	hi := float32(dbToGain(t.spec.BGM.GainDB))
	lo := float32(dbToGain(t.spec.BGM.GainDB + t.spec.BGM.DuckDB))
	fin, fout := int(bgmFadeIn*rate), int(bgmFadeOut*rate)
	// Loop: tiles of the music every period frames, each n long, so a
	// tile's last xf frames overlap the next one's first, faded out and in
	// with complementary raised cosines.
	m := b.bgm.pcm()
	n := m.frames()
	xf := min(int(bgmXfade*rate), n/4)
	period := n - xf
	rise, fall := make([]float32, xf), make([]float32, xf)
	for i := range rise {
		rise[i] = float32(0.5 - 0.5*math.Cos(math.Pi*float64(i)/float64(xf)))
		fall[i] = float32(0.5 + 0.5*math.Cos(math.Pi*float64(i)/float64(xf)))
	}
	halves(total, bgmChunk, func(from, to int) {
		duck := make([]float32, bgmChunk)
		for c0 := from; c0 < to; c0 += bgmChunk {
			bgmChunkAt(out, segs, m, duck, c0, min(c0+bgmChunk, to), bgmLevels{hi, lo, att, rel, fin, fout, xf, period, rise, fall})
		}
	})
}

// bgmLevels is what addBGM works out once for every chunk.
type bgmLevels struct {
	hi, lo     float32 // the music's gain, free and ducked
	att, rel   int     // duck ramps, frames
	fin, fout  int     // fades, frames
	xf, period int     // loop crossfade and period, frames
	rise, fall []float32
}

// bgmChunkAt adds the music to frames c0..c1-1 of out, using duck (at
// least c1-c0 long) for the duck envelope.
func bgmChunkAt(out [][]float32, segs []segment, m *pcm, duck []float32, c0, c1 int, lv bgmLevels) {
	total := len(out[0])
	hi, lo, att, rel, fin, fout, xf, period, rise, fall := lv.hi, lv.lo, lv.att, lv.rel, lv.fin, lv.fout, lv.xf, lv.period, lv.rise, lv.fall
	// Duck envelope: 1 while the voice speaks, ramping around it.
	d := duck[:c1-c0]
	clear(d)
	for _, s := range segs {
		if !s.voice {
			continue
		}
		end := min(s.start+s.n, total)
		for i := max(s.start-att, c0); i < min(end+rel, c1); i++ {
			var v float32 = 1
			if i < s.start {
				v = float32(i-(s.start-att)) / float32(att)
			} else if i >= end {
				v = 1 - float32(i-end)/float32(rel)
			}
			if v > d[i-c0] {
				d[i-c0] = v
			}
		}
	}
	for c := range out {
		src := m.ch[min(c, len(m.ch)-1)]
		dst := out[c]
		for k := c0; k < c1; k++ {
			g := hi + (lo-hi)*d[k-c0]
			if k < fin {
				g *= float32(k) / float32(fin)
			}
			if j := total - 1 - k; j < fout {
				g *= float32(j) / float32(fout)
			}
			// The tile k falls in, at i, and, in the first xf frames
			// of all but the first, the previous tile's fading end,
			// added first as when the tiles were added in turn.
			tile := k / period
			i := k - tile*period
			if i < xf && tile > 0 {
				dst[k] += src[i+period] * fall[i] * g
				dst[k] += src[i] * rise[i] * g
			} else {
				dst[k] += src[i] * g
			}
		}
	}
}

// bgmChunk is the frames addBGM works through at a time.
const bgmChunk = 4096

// addWatermark adds a short tone every markEvery seconds, markBelowVox
// dB under the clip's loudness, faded so it does not click.
func addWatermark(out [][]float32, rate int) {
	l := integratedLoudness(out, rate)
	if l == silence {
		l = -30
	}
	// A sine of peak a measures about 20·log10(a) − 1.1 LUFS at 3 kHz
	// (−3 dB for its mean square, +2.6 dB of K-weighting, −0.691).
	a := float32(dbToGain(l - markBelowVox + 3 - 2.6 + 0.691))
	n := int(markSeconds * float64(rate))
	fadeN := n / 8
	for t0 := markFirst; ; t0 += markEvery {
		start := int(t0 * float64(rate))
		if start+n > len(out[0]) {
			break
		}
		for i := 0; i < n; i++ {
			w := float32(1)
			if i < fadeN {
				w = float32(i) / float32(fadeN)
			} else if j := n - 1 - i; j < fadeN {
				w = float32(j) / float32(fadeN)
			}
			v := a * w * float32(math.Sin(2*math.Pi*markHz*float64(i)/float64(rate)))
			for c := range out {
				out[c][start+i] += v
			}
		}
	}
}
