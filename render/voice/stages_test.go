package voice

import (
	"testing"
)

// BenchmarkStages times each stage of the phone clip bench/voice.sh
// renders (sakura, three lines, three repeats), on the warm template:
// resampling the music to 44.1 kHz (done once per process, when a render
// first plays it), mixing, normalising, and writing the WAV.
func BenchmarkStages(b *testing.B) {
	tpl := loadMorning(b)
	o, err := tpl.parse(inputs("name", "sakura", "lines", "ohayou,asadayo,okite", "repeat", "3", "preset", "phone"))
	if err != nil {
		b.Fatal(err)
	}
	j := &job{t: tpl, o: o, preset: o.preset, repeats: o.repeat, name: "alarm"}
	for _, s := range []step{layoutClip, mixClip} {
		if err := s(j); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("resample music", func(b *testing.B) {
		src := j.bank.bgm.src.pcm()
		b.ReportAllocs()
		for b.Loop() {
			resamplePCM(src, 44100)
		}
	})
	b.Run("mix", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			mixClip(j)
		}
	})
	mixed := j.audio
	b.Run("normalise", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			ch := make([][]float32, len(mixed))
			for c := range ch {
				ch[c] = append([]float32(nil), mixed[c]...)
			}
			b.StartTimer()
			if _, err := normalise(ch, 2/len(ch), 44100, o.preset.TargetLUFS, o.preset.CeilingTP); err != nil {
				b.Fatal(err)
			}
		}
	})
	stereo := [][]float32{mixed[0], mixed[0]}
	b.Run("write WAV", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			writeWAV16(stereo, 44100)
		}
	})
}
