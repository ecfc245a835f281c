package card

import (
	"encoding/binary"
	"math/bits"
	"slices"
)

// rleZlib writes a zlib stream (RFC 1950, 1951) whose only matches are
// repeats of the pixel before (distance 3, an RGB pixel) within a write,
// in one block with its own Huffman codes. A preview's rows, Up-filtered,
// are zeros or one pixel repeated (a rule's edge) but where the text is:
// the repeats are most of its bytes, and finding them costs a scan, where
// a general deflater hashes its way through every byte.
type rleZlib struct {
	toks   []uint16 // a literal byte, or runTok+length of a match
	a, b   uint32   // Adler-32
	pend   int      // bytes summed in b since the last reduction
	litLen [286]int // symbol counts
}

// runTok+n is the token of a match of n bytes.
const runTok = 256

// dist is the distance of every match: one RGB pixel.
const dist = 3

// minRun is the shortest repeat written as a match.
const minRun = 6

func (z *rleZlib) reset() {
	z.toks = z.toks[:0]
	z.a, z.b, z.pend = 1, 0, 0
	clear(z.litLen[:])
}

const adlerMod = 65521

// write adds p, a row, to the stream.
func (z *rleZlib) write(p []byte) {
	lit := 0 // p[lit:i] are literals not yet added
	for i := dist; i < len(p); {
		if p[i] != p[i-dist] {
			i++
			continue
		}
		n := 1
		for i+n+8 <= len(p) && binary.LittleEndian.Uint64(p[i+n:]) == binary.LittleEndian.Uint64(p[i+n-dist:]) {
			n += 8
		}
		for i+n < len(p) && p[i+n] == p[i+n-dist] {
			n++
		}
		if n < minRun {
			i += n
			continue
		}
		if lit < i {
			z.literals(p[lit:i])
		}
		z.repeat(p[i : i+n])
		i += n
		lit = i
	}
	if lit < len(p) {
		z.literals(p[lit:])
	}
}

// rleRow is a row written on its own: its tokens and Adler-32 sums
// from (1, 0).
type rleRow struct {
	toks []uint16
	a, b uint32
	n    int
}

// row returns p written on its own, for writeRow.
func (z *rleZlib) row(p []byte) rleRow {
	z.reset()
	z.write(p)
	return rleRow{toks: slices.Clone(z.toks), a: z.a % adlerMod, b: z.b % adlerMod, n: len(p)}
}

// writeRow adds a row made by row, as write would.
func (z *rleZlib) writeRow(r rleRow) {
	z.toks = append(z.toks, r.toks...)
	for _, t := range r.toks {
		if t < runTok {
			z.litLen[t]++
		} else {
			z.litLen[lengthCode[t-runTok]]++
		}
	}
	// The sums of r started from (a, b) rather than (1, 0).
	a, b := uint64(z.a%adlerMod), uint64(z.b%adlerMod)
	z.b = uint32((b + uint64(r.b) + uint64(r.n%adlerMod)*(a+adlerMod-1)) % adlerMod)
	z.a = uint32((a + uint64(r.a) + adlerMod - 1) % adlerMod)
	z.pend = 0
}

// literals adds p as literal bytes.
func (z *rleZlib) literals(p []byte) {
	z.sum(p)
	for _, v := range p {
		z.toks = append(z.toks, uint16(v))
		z.litLen[v]++
	}
}

// repeat adds p, which repeats the pixel before it, as matches of up to
// 258 bytes.
func (z *rleZlib) repeat(p []byte) {
	if p[0]|p[1]|p[2] == 0 {
		// n zeros add n·a to b.
		z.a %= adlerMod
		z.b = uint32((uint64(z.b) + uint64(len(p))%adlerMod*uint64(z.a)) % adlerMod)
		z.pend = 0
	} else {
		z.sum(p)
	}
	for n := len(p); n > 0; {
		l := min(n, 258)
		if r := n - l; r > 0 && r < 3 {
			l -= 3 - r // leave a match of 3 rather than less
		}
		z.toks = append(z.toks, uint16(runTok+l))
		z.litLen[lengthCode[l]]++
		n -= l
	}
}

// sum adds p to the Adler-32.
func (z *rleZlib) sum(p []byte) {
	for len(p) > 0 {
		if z.pend >= 5552 {
			// As many bytes as b can sum from below the modulus without
			// overflowing (zlib's NMAX).
			z.a %= adlerMod
			z.b %= adlerMod
			z.pend = 0
		}
		n := min(len(p), 5552-z.pend)
		for _, v := range p[:n] {
			z.a += uint32(v)
			z.b += z.a
		}
		z.pend += n
		p = p[n:]
	}
}

// lengthCode and lengthBase map a match length, 3 to 258, to its symbol
// and the start of its range (RFC 1951 3.2.5).
var lengthCode [259]int
var lengthBase, lengthExtra [29]int

func init() {
	l := 3
	for c := range 28 {
		extra := 0
		if c >= 8 {
			extra = c/4 - 1
		}
		lengthBase[c], lengthExtra[c] = l, extra
		for range 1 << extra {
			lengthCode[l] = 257 + c
			l++
		}
	}
	lengthBase[28] = 258
	lengthCode[258] = 285
}

// bitWriter writes bits least significant first.
type bitWriter struct {
	out  []byte
	acc  uint64
	nacc uint
}

func (w *bitWriter) bits(v uint64, n uint) {
	w.acc |= v << w.nacc
	w.nacc += n
	if w.nacc >= 32 {
		w.out = binary.LittleEndian.AppendUint32(w.out, uint32(w.acc))
		w.acc >>= 32
		w.nacc -= 32
	}
}

func (w *bitWriter) flush() {
	for w.nacc > 0 {
		w.out = append(w.out, byte(w.acc))
		w.acc >>= 8
		w.nacc = max(w.nacc, 8) - 8
	}
}

// finish appends the zlib stream of everything written to out.
func (z *rleZlib) finish(out []byte) []byte {
	z.litLen[256]++ // end of block
	litLens := huffmanLengths(z.litLen[:], 15)
	nlit := 286
	for nlit > 257 && litLens[nlit-1] == 0 {
		nlit--
	}
	// One distance code, 2 (distance 3), of one bit: a code of one
	// symbol (RFC 1951 3.2.7).
	lens := append(litLens[:nlit:nlit], 0, 0, 1)
	clSyms, clCounts := codeLengthSymbols(lens)
	if used := 19 - countZeros(clCounts[:]); used < 2 {
		// zlib refuses a code length code of one symbol: give it two.
		clCounts[slices.Index(clCounts[:], 0)]++
	}
	clLens := huffmanLengths(clCounts[:], 7)
	order := [19]int{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}
	nclen := 19
	for nclen > 4 && clLens[order[nclen-1]] == 0 {
		nclen--
	}

	// Room for the stream: a token mostly takes less than a byte.
	w := bitWriter{out: append(slices.Grow(out, len(z.toks)+len(z.toks)/4+1024), 0x78, 0x01)}
	w.bits(1|2<<1, 3) // the final block, dynamic codes
	w.bits(uint64(nlit-257), 5)
	w.bits(2, 5) // three distance codes, two unused
	w.bits(uint64(nclen-4), 4)
	for _, s := range order[:nclen] {
		w.bits(uint64(clLens[s]), 3)
	}
	clCodes := canonical(clLens)
	for _, s := range clSyms {
		sym := s & 0xff
		w.bits(uint64(clCodes[sym]), uint(clLens[sym]))
		switch sym {
		case 16:
			w.bits(uint64(s>>8), 2)
		case 17:
			w.bits(uint64(s>>8), 3)
		case 18:
			w.bits(uint64(s>>8), 7)
		}
	}
	codes := canonical(litLens)
	// Each token's bits, value and count (above bit 24): a literal's
	// code, or a match's length code, extra bits and distance code (2,
	// the only one, one bit 0).
	var tokBits [runTok + 259]uint32
	for v := range 256 {
		tokBits[v] = uint32(codes[v]) | uint32(litLens[v])<<24
	}
	for l := 3; l <= 258; l++ {
		c := lengthCode[l]
		n, e := litLens[c], lengthExtra[c-257]
		tokBits[runTok+l] = uint32(codes[c]) | uint32(l-lengthBase[c-257])<<n | uint32(n+e+1)<<24
	}
	for _, t := range z.toks {
		b := tokBits[t]
		w.bits(uint64(b&0xffffff), uint(b>>24))
	}
	w.bits(uint64(codes[256]), uint(litLens[256]))
	w.flush()
	return binary.BigEndian.AppendUint32(w.out, (z.b%adlerMod)<<16|z.a%adlerMod)
}

// codeLengthSymbols run-length codes a sequence of code lengths with the
// code length alphabet (RFC 1951 3.2.7): each symbol in the low byte, its
// repeat count's extra bits above; and counts the symbols.
func codeLengthSymbols(lens []int) (syms []int, counts [19]int) {
	for i := 0; i < len(lens); {
		v := lens[i]
		n := 1
		for i+n < len(lens) && lens[i+n] == v {
			n++
		}
		i += n
		add := func(sym, extra int) {
			syms = append(syms, sym|extra<<8)
			counts[sym]++
		}
		if v == 0 {
			for n >= 11 {
				r := min(n, 138)
				add(18, r-11)
				n -= r
			}
			if n >= 3 {
				add(17, n-3)
				n = 0
			}
		} else {
			add(v, 0)
			n--
			for n >= 3 {
				r := min(n, 6)
				add(16, r-3)
				n -= r
			}
		}
		for ; n > 0; n-- {
			add(v, 0)
		}
	}
	return syms, counts
}

// huffmanLengths returns code lengths of at most limit bits for symbols
// counted counts (zero for a symbol not used). Counts are halved until
// the optimal code fits the limit. A lone symbol gets one bit.
func huffmanLengths(counts []int, limit int) []int {
	lens := make([]int, len(counts))
	w := slices.Clone(counts)
	for {
		if huffman(w, lens) <= limit {
			return lens
		}
		for i, c := range w {
			if c > 0 {
				w[i] = (c + 1) / 2
			}
		}
	}
}

// huffman sets lens to an optimal code's lengths for counts and returns
// the longest.
func huffman(counts, lens []int) int {
	// Leaves sorted by count, then the two queues of the classic
	// construction: leaves, and the nodes made, whose counts only grow.
	type node struct{ count, parent int }
	var leaves []int
	for s, c := range counts {
		lens[s] = 0
		if c > 0 {
			leaves = append(leaves, s)
		}
	}
	switch len(leaves) {
	case 0:
		return 0
	case 1:
		lens[leaves[0]] = 1
		return 1
	}
	slices.SortStableFunc(leaves, func(a, b int) int { return counts[a] - counts[b] })
	// nodes[:len(leaves)] are the leaves in order, then the inner nodes.
	nodes := make([]node, len(leaves), 2*len(leaves)-1)
	for i, s := range leaves {
		nodes[i] = node{count: counts[s]}
	}
	nl, ni := 0, len(leaves) // the next leaf and inner node to take
	take := func() int {
		if nl < len(leaves) && (ni == len(nodes) || nodes[nl].count <= nodes[ni].count) {
			nl++
			return nl - 1
		}
		ni++
		return ni - 1
	}
	for len(nodes) < cap(nodes) {
		a, b := take(), take()
		nodes = append(nodes, node{count: nodes[a].count + nodes[b].count})
		nodes[a].parent, nodes[b].parent = len(nodes)-1, len(nodes)-1
	}
	// Depths from the root (the last node) down: a parent comes after
	// its children.
	depth := make([]int, len(nodes))
	longest := 0
	for i := len(nodes) - 2; i >= 0; i-- {
		depth[i] = depth[nodes[i].parent] + 1
		if i < len(leaves) {
			lens[leaves[i]] = depth[i]
			longest = max(longest, depth[i])
		}
	}
	return longest
}

// canonical returns the canonical codes of lens (RFC 1951 3.2.2), bit
// reversed to be written least significant bit first.
func canonical(lens []int) []uint16 {
	var count [16]int
	for _, l := range lens {
		count[l]++
	}
	count[0] = 0
	var next [16]int
	code := 0
	for l := 1; l < 16; l++ {
		code = (code + count[l-1]) << 1
		next[l] = code
	}
	codes := make([]uint16, len(lens))
	for s, l := range lens {
		if l > 0 {
			codes[s] = bits.Reverse16(uint16(next[l])) >> (16 - l)
			next[l]++
		}
	}
	return codes
}

func countZeros(s []int) int {
	n := 0
	for _, v := range s {
		if v == 0 {
			n++
		}
	}
	return n
}
