package voice

import (
	"runtime"
	"sync"
)

// Work over a whole clip (resampling, the music bed, scaling, writing the
// WAV) is the same for every frame, so it splits into two halves of
// frames run at once, on the two cores the renderer is sized for. Each
// half writes only its own frames, with the arithmetic of the whole, so
// the bytes do not depend on the split.

// parallelMin is the fewest frames worth a second goroutine.
const parallelMin = 1 << 15

// halves runs fn(lo, hi) over [0, n): on two goroutines, each half a
// multiple of align long but the last, when n is at least parallelMin and
// more than one processor may run Go code; else once over the whole.
func halves(n, align int, fn func(lo, hi int)) {
	if n < parallelMin || runtime.GOMAXPROCS(0) < 2 {
		fn(0, n)
		return
	}
	mid := (n / 2 / align) * align
	var wg sync.WaitGroup
	wg.Go(func() { fn(mid, n) })
	fn(0, mid)
	wg.Wait()
}
