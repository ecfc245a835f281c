package voice

import (
	"fmt"
	"io/fs"
	"math"
	"slices"

	"oshigoods/render"
)

// clipRole is what a file is to the template.
type clipRole int

const (
	roleChime clipRole = iota
	roleBGM
	roleName
	roleLine
)

// clipRef is one use of a file by the template.
type clipRef struct {
	role  clipRole
	path  string // relative to the catalogue root
	field string // the manifest field, e.g. "voice.names_file:12"
}

// lintRule is what Lint expects of one kind of clip.
type lintRule struct {
	what       string
	maxSeconds float64
	voice      bool // a loudness target, mono, level with the other voice clips
	edges      bool // trimmed of silence at both ends
}

var lintRules = map[clipRole]lintRule{
	roleChime: {what: "chime", maxSeconds: 3, edges: true},
	roleBGM:   {what: "background music", maxSeconds: 60},
	roleName:  {what: "name call", maxSeconds: 2.5, voice: true, edges: true},
	roleLine:  {what: "line", maxSeconds: 8, voice: true, edges: true},
}

const (
	// VoiceTargetLUFS is the loudness a voice recording (name call or
	// line) should have. The renderer normalises the finished clip, so the
	// level of one recording matters against the others and against the
	// background music, whose gain_db assumes voice at about this level.
	VoiceTargetLUFS = -18.0

	lintLUFSTolerance = 8.0   // LU either side of VoiceTargetLUFS
	lintSpreadLU      = 6.0   // LU from the median of the voice clips
	lintEdgeSeconds   = 0.3   // longest silence accepted at either end
	lintMinRate       = 22050 // Hz; below this a voice sounds muffled
	lintSilentPeak    = 0.001 // −60 dBFS: a clip peaking under this is silent
	lintEdgeBelowPeak = 0.01  // −40 dB under the clip's peak counts as silence at the ends
	lintClipRun       = 3     // consecutive full-scale samples that mean clipping
	lintStereoSideDB  = -20.0 // side (L−R) over mid (L+R) energy above which channels differ
	lintEdgeWindow    = 0.010 // s: silence is measured in windows this long
)

// clipStats is what Lint measures in one file.
type clipStats struct {
	f           wavFmt
	seconds     float64
	peak        float64 // sample peak, full scale 1
	clipRuns    int     // runs of lintClipRun or more full-scale samples
	firstClip   float64 // s, the start of the first run
	lufs        float64 // integrated loudness, or silence
	lead, trail float64 // s of silence at the start and the end
	sideDB      float64 // stereo: side over mid energy in dB; −Inf for mono or identical channels
}

// Lint checks every recording the template plays (chime, background
// music, name calls, lines) beyond what Compile refuses, for `oshigoods
// templates check`. It reads the files again from the fs.FS the template
// was compiled from. Problems come in the order of the clips, each naming
// the file (relative to the catalogue root) and the manifest field
// ("voice.chime", "voice.bgm.file", "voice.names[3].file",
// "voice.names_file:12" for line 12 of the names file,
// "voice.lines[2].file").
//
// Compile accepts any WAV of integer PCM (8, 16, 24 or 32 bits) or IEEE
// float (32 or 64 bits), mono or stereo, 8 to 192 kHz, at most 10 minutes.
// Recommended for voice: 48 kHz (44.1 kHz is as good), mono, 16- or
// 24-bit PCM, each clip at about VoiceTargetLUFS with peaks near −6 dBFS,
// trimmed to within 0.1 s of the voice at each end.
//
// Errors (the template renders, but a fan would get a broken clip): no
// sound (peak under −60 dBFS); clipping (3 or more consecutive samples at
// the largest value the format holds; for float, at or over full scale);
// a file that can no longer be read. Warnings: a sample rate under
// 22.05 kHz; 8-bit samples; a voice clip in stereo whose channels differ
// (difference within 20 dB of the sum); a voice clip more than 8 LU from
// VoiceTargetLUFS, or more than 6 LU from the median of the template's
// voice clips; more than 0.3 s of silence (40 dB under the clip's peak)
// at either end of a name call, line or chime; a clip longer than its
// kind usually is (name call 2.5 s, line 8 s, chime 3 s, background music
// 60 s); two name calls, or two lines, sharing one recording.
func (t *Template) Lint() []render.Problem {
	stats := map[string]*clipStats{}
	failed := map[string]error{}
	var voiceLUFS []float64
	for _, c := range t.clips {
		if stats[c.path] != nil || failed[c.path] != nil {
			continue
		}
		st, err := analyseFile(t.fsys, c.path)
		if err != nil {
			failed[c.path] = err
			continue
		}
		stats[c.path] = st
		if lintRules[c.role].voice && st.lufs != silence {
			voiceLUFS = append(voiceLUFS, st.lufs)
		}
	}
	median := silence
	if len(voiceLUFS) >= 3 {
		slices.Sort(voiceLUFS)
		median = voiceLUFS[len(voiceLUFS)/2]
		if len(voiceLUFS)%2 == 0 {
			median = (median + voiceLUFS[len(voiceLUFS)/2-1]) / 2
		}
	}

	var probs []render.Problem
	used := map[clipRole]map[string]string{} // role → path → field of its first use
	for _, c := range t.clips {
		if err := failed[c.path]; err != nil {
			probs = append(probs, render.Problem{File: c.path, Field: c.field, Message: fmt.Sprintf("cannot read the file again: %v", err)})
			continue
		}
		probs = append(probs, lintClip(c, stats[c.path], median, t.spec.GapMS)...)
		if c.role == roleName || c.role == roleLine {
			if used[c.role] == nil {
				used[c.role] = map[string]string{}
			}
			if first, ok := used[c.role][c.path]; ok {
				probs = append(probs, render.Problem{File: c.path, Field: c.field, Warning: true,
					Message: fmt.Sprintf("the same recording as %s: each %s should have its own", first, lintRules[c.role].what)})
			} else {
				used[c.role][c.path] = c.field
			}
		}
	}
	return probs
}

// lintClip returns the problems of one use of a file.
func lintClip(c clipRef, st *clipStats, medianLUFS float64, gapMS int) []render.Problem {
	rule := lintRules[c.role]
	var probs []render.Problem
	add := func(warning bool, format string, args ...any) {
		probs = append(probs, render.Problem{File: c.path, Field: c.field, Warning: warning, Message: fmt.Sprintf(format, args...)})
	}
	const recommend = "record at 48 kHz, mono, 16- or 24-bit"

	// Format.
	if st.f.rate < lintMinRate {
		add(true, "%d Hz: below %d Hz the %s sounds muffled on a phone (44.1 kHz); %s", st.f.rate, lintMinRate, rule.what, recommend)
	}
	if st.f.tag == wavFormatPCM && st.f.bits == 8 {
		add(true, "8-bit samples add audible hiss; %s", recommend)
	}
	if rule.voice && st.f.channels == 2 && st.sideDB > lintStereoSideDB {
		const effect = "on the phone preset it keeps that stereo image beside the other clips, and the module preset mixes it to mono"
		if st.sideDB >= 0 {
			add(true, "stereo with channels in opposite phase: %s, where they cancel; %s", effect, recommend)
		} else {
			add(true, "stereo with different channels (their difference only %.0f dB under their sum): %s; %s", -st.sideDB, effect, recommend)
		}
	}

	// Level.
	if st.peak < lintSilentPeak {
		add(false, "no sound: the loudest sample is %s; the %s would be silent in every clip: replace the recording", dBFS(st.peak), rule.what)
		return probs
	}
	if st.clipRuns > 0 {
		// Recording again with less gain is the fix for its level too.
		add(false, "clipped: %d places where the waveform sits at full scale for %d or more samples, the first at %.2f s; a fan hears the distortion: record again with less gain (peaks near -6 dBFS)", st.clipRuns, lintClipRun, st.firstClip)
	} else if rule.voice {
		switch {
		case st.lufs == silence:
			add(true, "too quiet to measure (under -70 LUFS); voice clips should be about %.0f LUFS", VoiceTargetLUFS)
		case math.Abs(st.lufs-VoiceTargetLUFS) > lintLUFSTolerance:
			add(true, "%.1f LUFS; voice clips should be about %.0f LUFS (±%.0f LU): a quiet recording is raised with its noise, a loud one buries the background music, whose gain_db assumes voice at that level", st.lufs, VoiceTargetLUFS, lintLUFSTolerance)
		case medianLUFS != silence && math.Abs(st.lufs-medianLUFS) > lintSpreadLU:
			add(true, "%.1f LUFS, %.1f LU %s than the median of this template's voice clips (%.1f LUFS): the renderer keeps their balance, so this %s stands out; level it to about %.0f LUFS", st.lufs, math.Abs(st.lufs-medianLUFS), quieterLouder(st.lufs-medianLUFS), medianLUFS, rule.what, medianLUFS)
		}
	}

	// Silence at the ends and length.
	if rule.edges {
		if st.lead > lintEdgeSeconds {
			add(true, "%.2f s of silence before the %s starts; the renderer already puts %d ms between clips: trim it to under %.1f s", st.lead, rule.what, gapMS, lintEdgeSeconds)
		}
		if st.trail > lintEdgeSeconds {
			add(true, "%.2f s of silence after the %s ends; the renderer already puts %d ms between clips: trim it to under %.1f s", st.trail, rule.what, gapMS, lintEdgeSeconds)
		}
	}
	if st.seconds > rule.maxSeconds {
		if c.role == roleBGM {
			add(true, "%.1f s long; the music loops under the clip, so more than %.0f s only costs memory (every template's audio stays decoded): cut a loop", st.seconds, rule.maxSeconds)
		} else {
			add(true, "%.1f s long; a %s is usually under %.1f s, and long ones leave little room in the phone preset's 30 s: shorten it", st.seconds, rule.what, rule.maxSeconds)
		}
	}
	return probs
}

func quieterLouder(d float64) string {
	if d < 0 {
		return "quieter"
	}
	return "louder"
}

func dBFS(v float64) string {
	if v <= 0 {
		return "-∞ dBFS (digital silence)"
	}
	return fmt.Sprintf("%.0f dBFS", gainToDB(v))
}

// analyseFile reads and measures the WAV at p.
func analyseFile(fsys fs.FS, p string) (*clipStats, error) {
	data, err := fs.ReadFile(fsys, p)
	if err != nil {
		return nil, err
	}
	a, f, err := decodeWAV(data)
	if err != nil {
		return nil, err
	}
	return analyse(a, f), nil
}

// analyse measures decoded audio a whose file format was f.
func analyse(a *pcm, f wavFmt) *clipStats {
	n := a.frames()
	st := &clipStats{f: f, seconds: float64(n) / float64(a.rate), lufs: clipLoudness(a.ch, a.rate), sideDB: math.Inf(-1)}

	// Peak and clipping: a run of samples at the largest value the format
	// holds (for float, at or over full scale).
	full := float32(1)
	if f.tag == wavFormatPCM {
		full = float32(1 - 1.5/math.Exp2(float64(f.bits-1)))
	}
	st.firstClip = math.Inf(1)
	for _, x := range a.ch {
		run := 0
		for i, v := range x {
			v = abs32(v)
			st.peak = max(st.peak, float64(v))
			if v >= full {
				run++
				if run == lintClipRun {
					st.clipRuns++
					st.firstClip = min(st.firstClip, float64(i-run+1)/float64(a.rate))
				}
			} else {
				run = 0
			}
		}
	}

	// Silence at the ends: windows whose peak stays lintEdgeBelowPeak
	// under the clip's peak (and under −60 dBFS at least).
	thr := float32(max(st.peak*lintEdgeBelowPeak, lintSilentPeak))
	w := max(int(lintEdgeWindow*float64(a.rate)), 1)
	first, last := -1, -1 // first frame of the first loud window, end of the last
	for s := 0; s < n; s += w {
		e := min(s+w, n)
		loud := false
		for _, x := range a.ch {
			for _, v := range x[s:e] {
				if abs32(v) >= thr {
					loud = true
					break
				}
			}
		}
		if loud {
			if first < 0 {
				first = s
			}
			last = e
		}
	}
	if first < 0 {
		st.lead, st.trail = st.seconds, st.seconds
	} else {
		st.lead = float64(first) / float64(a.rate)
		st.trail = float64(n-last) / float64(a.rate)
	}

	// Stereo: how much the channels differ.
	if len(a.ch) == 2 {
		var mid, side float64
		for i := range n {
			l, r := float64(a.ch[0][i]), float64(a.ch[1][i])
			mid += (l + r) * (l + r) / 4
			side += (l - r) * (l - r) / 4
		}
		switch {
		case side == 0:
		case mid == 0:
			st.sideDB = math.Inf(1)
		default:
			st.sideDB = 10 * math.Log10(side/mid)
		}
	}
	return st
}

// clipLoudness is the integrated loudness of ch, or for a clip too short
// to gate (under 0.4 s) the K-weighted mean over its 100 ms steps; silence
// when there is nothing to measure.
func clipLoudness(ch [][]float32, rate int) float64 {
	if l := integratedLoudness(ch, rate); l != silence {
		return l
	}
	steps := blockPowers(ch, rate)
	if len(steps) == 0 || len(steps) >= 4 {
		return silence
	}
	var sum float64
	for _, z := range steps {
		sum += z
	}
	z := sum / float64(len(steps))
	if z <= math.Pow(10, (-70+0.691)/10) {
		return silence
	}
	return -0.691 + 10*math.Log10(z)
}
