//go:build !appengine && gc && !noasm

package card

import "golang.org/x/sys/cpu"

// sumInFours is whether vector sums coverage four samples at once (with
// SSE4.1), under the same build constraint as its assembly.
var sumInFours = cpu.X86.HasSSE41
