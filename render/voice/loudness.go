package voice

import "math"

// Loudness per ITU-R BS.1770-4 / EBU R128, our own implementation: the
// exaring/ebur128 module is not on the module proxy this project uses.
// K-weighting is the standard two-stage filter (a high shelf near 1.7 kHz
// and a high pass near 38 Hz) with coefficients derived for the actual
// sample rate from the analogue prototype, so measuring at 22.05 or
// 44.1 kHz agrees with a 48 kHz meter to within a few hundredths of a LU.
// Gating: 400 ms blocks every 100 ms, an absolute gate at −70 LUFS and a
// relative gate 10 LU below the mean of the blocks above it. Every channel
// weighs 1 (mono and stereo are all we produce).

// silence is what loudness returns for audio without a gated block.
const silence = -math.MaxFloat64

type biquad struct{ b0, b1, b2, a1, a2 float64 }

// kWeighting returns the two K-weighting stages for sample rate fs.
func kWeighting(fs float64) [2]biquad {
	// Stage 1: high shelf, +4 dB above about 1.7 kHz.
	f0, g, q := 1681.974450955533, 3.999843853973347, 0.7071752369554196
	k := math.Tan(math.Pi * f0 / fs)
	vh := math.Pow(10, g/20)
	vb := math.Pow(vh, 0.4996667741545416)
	a0 := 1 + k/q + k*k
	shelf := biquad{
		b0: (vh + vb*k/q + k*k) / a0,
		b1: 2 * (k*k - vh) / a0,
		b2: (vh - vb*k/q + k*k) / a0,
		a1: 2 * (k*k - 1) / a0,
		a2: (1 - k/q + k*k) / a0,
	}
	// Stage 2: the RLB high pass.
	f0, q = 38.13547087602444, 0.5003270373238773
	k = math.Tan(math.Pi * f0 / fs)
	a0 = 1 + k/q + k*k
	hp := biquad{b0: 1, b1: -2, b2: 1, a1: 2 * (k*k - 1) / a0, a2: (1 - k/q + k*k) / a0}
	return [2]biquad{shelf, hp}
}

// blockPowers returns the K-weighted mean square, summed over channels,
// of every 100 ms step of ch (the last partial step is dropped).
func blockPowers(ch [][]float32, rate int) []float64 { return blockPowersOf(ch, 1, rate, 1, nil) }

// blockPowersOf is blockPowers of audio whose every channel in ch stands
// for copies identical channels (a mono mix written to both channels of a
// stereo file), each sample scaled first as the normaliser scales it,
// float32(x·g·env[i]) (env nil: float32(x·g)), so the normaliser measures
// a gain without writing the scaled signal out; g = 1 with env nil is the
// signal itself. Each channel is filtered once and its power added copies
// times, which gives the very sums filtering each copy would.
func blockPowersOf(ch [][]float32, copies, rate int, g float64, env []float32) []float64 {
	step := rate / 10
	if len(ch) == 0 || step == 0 {
		return nil
	}
	n := len(ch[0]) / step
	pow := make([]float64, n)
	kw := kWeighting(float64(rate))
	f1, f2 := kw[0], kw[1]
	for _, x := range ch {
		// Direct form I state of each stage: inputs x1, x2, outputs y1, y2.
		var p1, p2, q1, q2 float64 // stage 1
		var r1, r2, u1, u2 float64 // stage 2
		for b := 0; b < n; b++ {
			var sum float64
			lo, hi := b*step, (b+1)*step
			xs := x[lo:hi]
			var e []float32
			if env != nil {
				e = env[lo:hi]
				e = e[:len(xs)]
			}
			for i, v := range xs {
				var in float64
				if e == nil {
					in = float64(float32(float64(v) * g))
				} else {
					in = float64(float32(float64(v) * g * float64(e[i])))
				}
				y := f1.b0*in + f1.b1*p1 + f1.b2*p2 - f1.a1*q1 - f1.a2*q2
				p1, p2, q1, q2 = in, p1, y, q1
				z := f2.b0*y + f2.b1*r1 + f2.b2*r2 - f2.a1*u1 - f2.a2*u2
				r1, r2, u1, u2 = y, r1, z, u1
				sum += z * z
			}
			for range copies {
				pow[b] += sum / float64(step)
			}
		}
	}
	return pow
}

// integratedLoudness returns the gated loudness of ch in LUFS, or silence.
func integratedLoudness(ch [][]float32, rate int) float64 {
	return integratedLoudnessOf(ch, 1, rate, 1, nil)
}

// integratedLoudnessOf is integratedLoudness of audio whose every channel
// in ch stands for copies identical channels, each sample scaled as the
// normaliser scales it (see blockPowersOf).
func integratedLoudnessOf(ch [][]float32, copies, rate int, g float64, env []float32) float64 {
	steps := blockPowersOf(ch, copies, rate, g, env)
	if len(steps) < 4 {
		return silence
	}
	blocks := make([]float64, len(steps)-3)
	for i := range blocks {
		blocks[i] = (steps[i] + steps[i+1] + steps[i+2] + steps[i+3]) / 4
	}
	absGate := math.Pow(10, (-70+0.691)/10)
	var sum float64
	var n int
	for _, z := range blocks {
		if z > absGate {
			sum += z
			n++
		}
	}
	if n == 0 {
		return silence
	}
	relGate := sum / float64(n) * math.Pow(10, -10.0/10)
	sum, n = 0, 0
	for _, z := range blocks {
		if z > absGate && z > relGate {
			sum += z
			n++
		}
	}
	return -0.691 + 10*math.Log10(sum/float64(n))
}
