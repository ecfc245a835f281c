package pdfx

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
)

// object is one indirect object; stream is its raw (still encoded) data
// when it is a stream, whose dictionary is v.
type object struct {
	gen      int
	v        value
	isStream bool
	stream   []byte
}

// file is a parsed PDF: its objects by number and its trailer.
type file struct {
	objs    map[int]*object
	trailer *dict
}

// parse reads a PDF with classic cross-reference tables (following /Prev),
// and every object they list as in use.
func parse(b []byte) (*file, error) {
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		return nil, fmt.Errorf("not a PDF: no %%PDF- header")
	}
	tail := b[max(0, len(b)-1024):]
	i := bytes.LastIndex(tail, []byte("startxref"))
	if i < 0 {
		return nil, fmt.Errorf("no startxref")
	}
	l := &lexer{b: tail, pos: i + len("startxref")}
	l.skip()
	off, err := strconv.Atoi(l.word())
	if err != nil {
		return nil, fmt.Errorf("startxref: %w", errSyntax)
	}
	f := &file{objs: map[int]*object{}}
	offsets := map[int]int{} // object number → offset, newest section first wins
	gens := map[int]int{}
	seen := map[int]bool{}
	for {
		if off < 0 || off >= len(b) || seen[off] {
			return nil, fmt.Errorf("xref offset %d out of range or repeated", off)
		}
		seen[off] = true
		trailer, err := readXref(b, off, offsets, gens)
		if err != nil {
			return nil, err
		}
		if f.trailer == nil {
			f.trailer = trailer
		}
		prev, ok := trailer.get("Prev").(number)
		if !ok {
			break
		}
		if off, err = strconv.Atoi(string(prev)); err != nil {
			return nil, fmt.Errorf("trailer /Prev: %w", errSyntax)
		}
	}
	nums := make([]int, 0, len(offsets))
	for n := range offsets {
		nums = append(nums, n)
	}
	sort.Ints(nums)
	for _, n := range nums {
		if offsets[n] < 0 { // free
			continue
		}
		o, err := readObject(b, offsets[n], n, gens[n])
		if err != nil {
			return nil, fmt.Errorf("object %d: %w", n, err)
		}
		f.objs[n] = o
	}
	// Stream lengths given as references are resolved now that every
	// object is read.
	for _, n := range nums {
		if o := f.objs[n]; o != nil && o.isStream && o.stream == nil {
			if err := f.readStream(b, n, o); err != nil {
				return nil, fmt.Errorf("object %d: %w", n, err)
			}
		}
	}
	return f, nil
}

// readXref reads the xref section at off into offsets (a free entry is
// -1; an entry already there, from a newer section, is kept) and returns
// its trailer.
func readXref(b []byte, off int, offsets, gens map[int]int) (*dict, error) {
	l := &lexer{b: b, pos: off}
	if !l.keyword("xref") {
		return nil, fmt.Errorf("no xref table at offset %d (cross-reference streams are not supported)", off)
	}
	for {
		if l.keyword("trailer") {
			break
		}
		l.skip()
		start, err1 := strconv.Atoi(l.word())
		l.skip()
		count, err2 := strconv.Atoi(l.word())
		if err1 != nil || err2 != nil || start < 0 || count < 0 || count > len(b)/18 {
			return nil, fmt.Errorf("xref subsection: %w", errSyntax)
		}
		for k := 0; k < count; k++ {
			l.skip()
			o, err1 := strconv.Atoi(l.word())
			l.skip()
			g, err2 := strconv.Atoi(l.word())
			l.skip()
			t := l.word()
			if err1 != nil || err2 != nil || t != "n" && t != "f" {
				return nil, fmt.Errorf("xref entry %d: %w", start+k, errSyntax)
			}
			n := start + k
			if _, done := offsets[n]; done || n == 0 {
				continue
			}
			if t == "f" {
				o = -1
			}
			offsets[n], gens[n] = o, g
		}
	}
	v, err := l.value(0)
	if err != nil {
		return nil, fmt.Errorf("trailer: %w", err)
	}
	d, ok := v.(*dict)
	if !ok {
		return nil, fmt.Errorf("trailer is not a dictionary: %w", errSyntax)
	}
	return d, nil
}

// readObject reads "n g obj … endobj" at off. A stream whose /Length is a
// reference is left with stream nil, to be read by readStream.
func readObject(b []byte, off, n, gen int) (*object, error) {
	if off >= len(b) {
		return nil, fmt.Errorf("offset %d out of range", off)
	}
	l := &lexer{b: b, pos: off}
	l.skip()
	if num, err := strconv.Atoi(l.word()); err != nil || num != n {
		return nil, fmt.Errorf("xref points at offset %d, which is not the object: %w", off, errSyntax)
	}
	l.skip()
	if g, err := strconv.Atoi(l.word()); err != nil || g != gen {
		return nil, fmt.Errorf("generation: %w", errSyntax)
	}
	if !l.keyword("obj") {
		return nil, fmt.Errorf("no obj keyword: %w", errSyntax)
	}
	v, err := l.value(0)
	if err != nil {
		return nil, err
	}
	o := &object{gen: gen, v: v}
	if !l.keyword("stream") {
		if !l.keyword("endobj") {
			return nil, fmt.Errorf("no endobj: %w", errSyntax)
		}
		return o, nil
	}
	d, ok := v.(*dict)
	if !ok {
		return nil, fmt.Errorf("stream without a dictionary: %w", errSyntax)
	}
	o.isStream = true
	// The data starts after the EOL that follows the keyword.
	start := l.pos
	if start < len(b) && b[start] == '\r' {
		start++
	}
	if start < len(b) && b[start] == '\n' {
		start++
	}
	o.stream = nil
	if ln, ok := d.get("Length").(number); ok {
		data, err := streamData(b, start, string(ln))
		if err != nil {
			return nil, err
		}
		o.stream = data
	} else if _, ok := d.get("Length").(ref); !ok {
		return nil, fmt.Errorf("stream has no /Length: %w", errSyntax)
	}
	// Where the data starts is kept for readStream in the slice's
	// capacity-free form: remember it on the object.
	if o.stream == nil {
		o.v = &streamPending{d, start}
	}
	return o, nil
}

// streamPending is a stream's dictionary while its length is unresolved.
type streamPending struct {
	d     *dict
	start int
}

// readStream reads the data of a stream whose /Length is a reference.
func (f *file) readStream(b []byte, n int, o *object) error {
	p := o.v.(*streamPending)
	o.v = p.d
	r := p.d.get("Length").(ref)
	lo := f.objs[r.num]
	if lo == nil || lo.isStream {
		return fmt.Errorf("stream /Length %d 0 R is not a number: %w", r.num, errSyntax)
	}
	ln, ok := lo.v.(number)
	if !ok {
		return fmt.Errorf("stream /Length %d 0 R is not a number: %w", r.num, errSyntax)
	}
	data, err := streamData(b, p.start, string(ln))
	if err != nil {
		return err
	}
	o.stream = data
	// The length is written directly from now on.
	p.d.set("Length", number(strconv.Itoa(len(data))))
	return nil
}

// streamData returns length bytes at start, which must be followed by
// endstream.
func streamData(b []byte, start int, length string) ([]byte, error) {
	n, err := strconv.Atoi(length)
	if err != nil || n < 0 || start+n > len(b) || start+n < start {
		return nil, fmt.Errorf("stream /Length %s out of range: %w", length, errSyntax)
	}
	l := &lexer{b: b, pos: start + n}
	if !l.keyword("endstream") {
		return nil, fmt.Errorf("stream /Length %s does not end at endstream: %w", length, errSyntax)
	}
	return b[start : start+n : start+n], nil
}

// resolve follows a reference; anything else is returned as is. A missing
// object is null.
func (f *file) resolve(v value) value {
	if r, ok := v.(ref); ok {
		if o := f.objs[r.num]; o != nil {
			return o.v
		}
		return null{}
	}
	return v
}

// dictOf resolves v to a dictionary, or nil.
func (f *file) dictOf(v value) *dict {
	d, _ := f.resolve(v).(*dict)
	return d
}

// add adds an object and returns its reference.
func (f *file) add(o *object) ref {
	n := 1
	for k := range f.objs {
		n = max(n, k+1)
	}
	f.objs[n] = o
	return ref{n, 0}
}

// bytes writes the file whole: header, every object in number order, one
// xref table and the trailer.
func (f *file) bytes() []byte {
	var buf bytes.Buffer
	buf.WriteString("%PDF-1.6\n%\xe2\xe3\xcf\xd3\n")
	size := 1
	for n := range f.objs {
		size = max(size, n+1)
	}
	offsets := make([]int, size)
	for n := 1; n < size; n++ {
		o := f.objs[n]
		if o == nil {
			continue
		}
		offsets[n] = buf.Len()
		fmt.Fprintf(&buf, "%d %d obj\n", n, o.gen)
		if o.isStream {
			d := o.v.(*dict)
			d.set("Length", number(strconv.Itoa(len(o.stream))))
			write(&buf, d)
			buf.WriteString("\nstream\n")
			buf.Write(o.stream)
			buf.WriteString("\nendstream")
		} else {
			write(&buf, o.v)
		}
		buf.WriteString("\nendobj\n")
	}
	xref := buf.Len()
	fmt.Fprintf(&buf, "xref\n0 %d\n", size)
	// Free entries form a list through object 0.
	nextFree := 0
	free := make([]int, size)
	for n := size - 1; n >= 0; n-- {
		if n == 0 || f.objs[n] == nil {
			free[n], nextFree = nextFree, n
		}
	}
	for n := 0; n < size; n++ {
		if o := f.objs[n]; n > 0 && o != nil {
			fmt.Fprintf(&buf, "%010d %05d n \n", offsets[n], o.gen)
		} else {
			gen := 0
			if n == 0 {
				gen = 65535
			}
			fmt.Fprintf(&buf, "%010d %05d f \n", free[n], gen)
		}
	}
	f.trailer.set("Size", number(strconv.Itoa(size)))
	buf.WriteString("trailer\n")
	write(&buf, f.trailer)
	fmt.Fprintf(&buf, "\nstartxref\n%d\n%%%%EOF\n", xref)
	return buf.Bytes()
}

// renumber sorts every dictionary's entries by key, then numbers the
// objects reachable from the trailer 1, 2, … in the order a depth-first
// walk from the trailer's entries first meets them, and drops the rest.
// Object numbers and entry order then follow the document's structure
// rather than the order a writer happened to emit them in (gofpdf numbers
// the objects gofpdi imports, and lists its templates, by walking Go maps),
// so the same document is the same bytes.
func (f *file) renumber() {
	sorted := map[*dict]bool{}
	var sortDicts func(v value)
	sortDicts = func(v value) {
		switch v := v.(type) {
		case array:
			for _, e := range v {
				sortDicts(e)
			}
		case *dict:
			if sorted[v] {
				return
			}
			sorted[v] = true
			sort.SliceStable(v.entries, func(i, j int) bool { return v.entries[i].key < v.entries[j].key })
			for _, e := range v.entries {
				sortDicts(e.val)
			}
		}
	}
	for _, o := range f.objs {
		sortDicts(o.v)
	}
	sortDicts(f.trailer)

	next := map[int]int{} // old number → new
	var order []int
	var walk func(v value)
	walk = func(v value) {
		switch v := v.(type) {
		case ref:
			o := f.objs[v.num]
			if o == nil {
				return
			}
			if _, ok := next[v.num]; ok {
				return
			}
			next[v.num] = len(order) + 1
			order = append(order, v.num)
			walk(o.v)
		case array:
			for _, e := range v {
				walk(e)
			}
		case *dict:
			for _, e := range v.entries {
				walk(e.val)
			}
		}
	}
	walk(f.trailer)
	// Values may be shared (one ICCBased array in many resources), so
	// arrays are copied and each dictionary is rewritten once.
	done := map[*dict]bool{}
	var remap func(v value) value
	remap = func(v value) value {
		switch v := v.(type) {
		case ref:
			if n, ok := next[v.num]; ok {
				return ref{n, 0}
			}
			return null{}
		case array:
			a := make(array, len(v))
			for i, e := range v {
				a[i] = remap(e)
			}
			return a
		case *dict:
			if done[v] {
				return v
			}
			done[v] = true
			for i, e := range v.entries {
				v.entries[i].val = remap(e.val)
			}
		}
		return v
	}
	objs := make(map[int]*object, len(order))
	for _, old := range order {
		o := f.objs[old]
		o.v, o.gen = remap(o.v), 0
		objs[next[old]] = o
	}
	remap(f.trailer)
	f.objs = objs
}
