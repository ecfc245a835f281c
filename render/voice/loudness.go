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
func blockPowers(ch [][]float32, rate int) []float64 { return blockPowersOf(ch, 1, rate) }

// blockPowersOf is blockPowers of audio whose every channel in ch stands
// for copies identical channels (a mono mix written to both channels of a
// stereo file): each channel is filtered once and its power added copies
// times, which gives the very sums filtering each copy would.
func blockPowersOf(ch [][]float32, copies, rate int) []float64 {
	step := rate / 10
	if len(ch) == 0 || step == 0 {
		return nil
	}
	n := len(ch[0]) / step
	pow := make([]float64, n)
	kw := kWeighting(float64(rate))
	for _, x := range ch {
		var s1, s2 [4]float64 // direct form I state per stage: x1, x2, y1, y2
		f1, f2 := kw[0], kw[1]
		for b := 0; b < n; b++ {
			var sum float64
			for _, v := range x[b*step : (b+1)*step] {
				in := float64(v)
				y := f1.b0*in + f1.b1*s1[0] + f1.b2*s1[1] - f1.a1*s1[2] - f1.a2*s1[3]
				s1 = [4]float64{in, s1[0], y, s1[2]}
				z := f2.b0*y + f2.b1*s2[0] + f2.b2*s2[1] - f2.a1*s2[2] - f2.a2*s2[3]
				s2 = [4]float64{y, s2[0], z, s2[2]}
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
func integratedLoudness(ch [][]float32, rate int) float64 { return integratedLoudnessOf(ch, 1, rate) }

// integratedLoudnessOf is integratedLoudness of audio whose every channel
// in ch stands for copies identical channels (see blockPowersOf).
func integratedLoudnessOf(ch [][]float32, copies, rate int) float64 {
	steps := blockPowersOf(ch, copies, rate)
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
