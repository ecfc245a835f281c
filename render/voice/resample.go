package voice

import "math"

// Resampling.
//
// A windowed-sinc polyphase resampler of our own: no pure-Go resampler
// with a permissive licence was available to the build (gomplerate is not
// on the module proxy this project uses). For a rate ratio L/M in lowest
// terms, output sample j lies at input position j·M/L; its phase
// (j·M mod L) selects one row of a precomputed table of Kaiser-windowed
// sinc taps, so the work per output sample is one short dot product. When
// L exceeds resampleMaxPhases (unusual rate pairs) the phase is quantised
// to that many steps, which still keeps the error below 16-bit resolution.

const (
	resampleZeros     = 16   // sinc zero crossings on each side at the narrower bandwidth
	resampleRolloff   = 0.95 // pass band edge as a fraction of the lower Nyquist frequency
	resampleBeta      = 8.6  // Kaiser window shape: about 90 dB stop band
	resampleMaxPhases = 1024
)

// resampler converts one fixed rate pair. It is immutable once built.
type resampler struct {
	l, m   int64     // output/input rate ratio in lowest terms
	phases int64     // rows in taps
	width  int       // taps per row
	half   int       // index of the tap at input offset 0
	taps   []float32 // phases × width
}

func newResampler(in, out int) *resampler {
	g := gcd(in, out)
	r := &resampler{l: int64(out / g), m: int64(in / g)}
	r.phases = r.l
	if r.phases > resampleMaxPhases {
		r.phases = resampleMaxPhases
	}
	fc := resampleRolloff * math.Min(1, float64(out)/float64(in)) // cutoff, in cycles per input sample ×2
	halfWidth := float64(resampleZeros) / fc                      // in input samples
	r.half = int(math.Ceil(halfWidth))
	r.width = 2*r.half + 1
	r.taps = make([]float32, int(r.phases)*r.width)
	for p := int64(0); p < r.phases; p++ {
		frac := float64(p) / float64(r.phases) // output position minus its base input sample
		row := r.taps[int(p)*r.width : int(p+1)*r.width]
		var sum float64
		vals := make([]float64, r.width)
		for i := range row {
			u := float64(i-r.half) - frac // input sample position relative to the output
			v := 0.0
			if math.Abs(u) < halfWidth {
				v = fc * sinc(fc*u) * kaiser(u/halfWidth, resampleBeta)
			}
			vals[i] = v
			sum += v
		}
		for i, v := range vals {
			row[i] = float32(v / sum) // unity gain at DC in every phase
		}
	}
	return r
}

// outLen returns the number of output samples for n input samples.
func (r *resampler) outLen(n int) int {
	return int((int64(n)*r.l + r.m - 1) / r.m)
}

// resampledLen returns the number of frames n frames at rate in become at
// rate out: what resamplePCM makes, without building a resampler.
func resampledLen(n, in, out int) int {
	g := gcd(in, out)
	l, m := int64(out/g), int64(in/g)
	return int((int64(n)*l + m - 1) / m)
}

// resample converts one channel. Output samples whose taps lie wholly
// inside x are computed four at a time: four independent sums, each
// added in the same order as alone, so the result is the same to the bit
// and the processor overlaps their additions. The two halves of the
// outputs are computed at once (halves).
func (r *resampler) resample(x []float32) []float32 {
	if r.l == r.m {
		return append([]float32(nil), x...)
	}
	y := make([]float32, r.outLen(len(x)))
	halves(len(y), 1, func(lo, hi int) { r.resampleRange(x, y, lo, hi) })
	return y
}

// resampleRange computes outputs lo..hi-1 of x into y.
func (r *resampler) resampleRange(x, y []float32, lo, hi int) {
	n := hi
	w := r.width
	// Output j lies at input position j·m/l: base + rem/l.
	step, stepRem := r.m/r.l, r.m%r.l
	var (
		start [4]int
		row   [4][]float32
	)
	base, rem := int64(lo)*r.m/r.l, int64(lo)*r.m%r.l
	for j := lo; j < n; {
		// Gather up to four outputs whose windows are inside x.
		k := 0
		for ; k < 4 && j+k < n; k++ {
			b, p := r.phase(base, rem)
			s := b - r.half
			if s < 0 || s+w > len(x) {
				break
			}
			start[k], row[k] = s, r.taps[p*w:p*w+w]
			base, rem = base+step, rem+stepRem
			if rem >= r.l {
				base, rem = base+1, rem-r.l
			}
		}
		if k == 4 {
			x0, x1, x2, x3 := x[start[0]:start[0]+w], x[start[1]:start[1]+w], x[start[2]:start[2]+w], x[start[3]:start[3]+w]
			t0, t1, t2, t3 := row[0], row[1][:len(row[0])], row[2][:len(row[0])], row[3][:len(row[0])]
			x0, x1, x2, x3 = x0[:len(t0)], x1[:len(t0)], x2[:len(t0)], x3[:len(t0)]
			var a0, a1, a2, a3 float32
			for i, t := range t0 {
				a0 += x0[i] * t
				a1 += x1[i] * t1[i]
				a2 += x2[i] * t2[i]
				a3 += x3[i] * t3[i]
			}
			y[j], y[j+1], y[j+2], y[j+3] = a0, a1, a2, a3
			j += 4
			continue
		}
		// Fewer than four: finish those one by one, then one more near
		// an edge, where the taps are cut to x.
		for i := 0; i < k; i++ {
			y[j+i] = dot(x[start[i]:start[i]+w], row[i])
		}
		j += k
		if j == n {
			break
		}
		b, p := r.phase(base, rem)
		lo, hi, s := 0, w, b-r.half
		if s < 0 {
			lo = -s
		}
		if s+hi > len(x) {
			hi = len(x) - s
		}
		if lo < hi {
			y[j] = dot(x[s+lo:s+hi], r.taps[p*w+lo:p*w+hi])
		}
		base, rem = base+step, rem+stepRem
		if rem >= r.l {
			base, rem = base+1, rem-r.l
		}
		j++
	}
}

// phase returns the input sample an output at base + rem/l rests on and
// the row of taps for its fraction: rem itself, or rem quantised to
// r.phases steps (rounding up to the next sample's phase 0).
func (r *resampler) phase(base, rem int64) (b, p int) {
	if r.phases == r.l {
		return int(base), int(rem)
	}
	q := (rem*r.phases + r.l/2) / r.l
	if q == r.phases {
		return int(base) + 1, 0
	}
	return int(base), int(q)
}

// dot returns the sum of x[i]·t[i], added in order.
func dot(x, t []float32) float32 {
	t = t[:len(x)]
	var acc float32
	for i, v := range x {
		acc += v * t[i]
	}
	return acc
}

// resamplePCM converts every channel of p to rate.
func resamplePCM(p *pcm, rate int) *pcm {
	if p.rate == rate {
		return p
	}
	r := newResampler(p.rate, rate)
	out := &pcm{rate: rate, ch: make([][]float32, len(p.ch))}
	for c, x := range p.ch {
		out.ch[c] = r.resample(x)
	}
	return out
}

func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	return math.Sin(math.Pi*x) / (math.Pi * x)
}

// kaiser is the Kaiser window at x in [-1, 1].
func kaiser(x, beta float64) float64 {
	if x <= -1 || x >= 1 {
		return 0
	}
	return besselI0(beta*math.Sqrt(1-x*x)) / besselI0(beta)
}

// besselI0 is the modified Bessel function of the first kind, order 0.
func besselI0(x float64) float64 {
	sum, term := 1.0, 1.0
	for k := 1; k < 50; k++ {
		term *= (x / (2 * float64(k))) * (x / (2 * float64(k)))
		sum += term
		if term < sum*1e-16 {
			break
		}
	}
	return sum
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
