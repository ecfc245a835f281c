package pdfx

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
)

// The PDF values a parsed file holds. Names and numbers keep the text they
// were written with, so that what is not edited is written back unchanged.
type (
	name    string // without the slash, # escapes as written
	number  string // as written
	boolean bool
	null    struct{}
	str     struct {
		b   []byte // decoded bytes
		hex bool   // written as <hex>
	}
	ref   struct{ num, gen int }
	array []value
	// dict keeps its entries in file order, so output is deterministic.
	dict  struct{ entries []entry }
	entry struct {
		key name
		val value
	}
	value any
)

func (d *dict) get(k name) value {
	for _, e := range d.entries {
		if e.key == k {
			return e.val
		}
	}
	return nil
}

func (d *dict) set(k name, v value) {
	for i, e := range d.entries {
		if e.key == k {
			d.entries[i].val = v
			return
		}
	}
	d.entries = append(d.entries, entry{k, v})
}

// maxDepth bounds the nesting of arrays and dictionaries, so hostile input
// cannot exhaust the stack.
const maxDepth = 64

var errSyntax = errors.New("syntax error")

// lexer reads PDF tokens from b starting at pos.
type lexer struct {
	b   []byte
	pos int
}

func isSpace(c byte) bool {
	return c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' '
}

func isDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

// skip passes white space and comments.
func (l *lexer) skip() {
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		if isSpace(c) {
			l.pos++
		} else if c == '%' {
			for l.pos < len(l.b) && l.b[l.pos] != '\n' && l.b[l.pos] != '\r' {
				l.pos++
			}
		} else {
			return
		}
	}
}

// word reads a run of regular characters.
func (l *lexer) word() string {
	start := l.pos
	for l.pos < len(l.b) && !isSpace(l.b[l.pos]) && !isDelim(l.b[l.pos]) {
		l.pos++
	}
	return string(l.b[start:l.pos])
}

// keyword reads a word and reports whether it is kw.
func (l *lexer) keyword(kw string) bool {
	l.skip()
	save := l.pos
	if l.word() == kw {
		return true
	}
	l.pos = save
	return false
}

func (l *lexer) errorf(format string, args ...any) error {
	return fmt.Errorf("offset %d: %s: %w", l.pos, fmt.Sprintf(format, args...), errSyntax)
}

// value parses one value; an integer followed by an integer and R is a
// reference.
func (l *lexer) value(depth int) (value, error) {
	if depth > maxDepth {
		return nil, l.errorf("nested too deep")
	}
	l.skip()
	if l.pos >= len(l.b) {
		return nil, l.errorf("unexpected end of data")
	}
	switch c := l.b[l.pos]; {
	case c == '/':
		l.pos++
		return name(l.word()), nil
	case c == '(':
		return l.literal()
	case c == '<' && l.pos+1 < len(l.b) && l.b[l.pos+1] == '<':
		l.pos += 2
		d := &dict{}
		for {
			l.skip()
			if l.pos+1 < len(l.b) && l.b[l.pos] == '>' && l.b[l.pos+1] == '>' {
				l.pos += 2
				return d, nil
			}
			k, err := l.value(depth + 1)
			if err != nil {
				return nil, err
			}
			kn, ok := k.(name)
			if !ok {
				return nil, l.errorf("dictionary key is not a name")
			}
			v, err := l.value(depth + 1)
			if err != nil {
				return nil, err
			}
			if d.get(kn) == nil { // the first of duplicate keys wins
				d.entries = append(d.entries, entry{kn, v})
			}
		}
	case c == '<':
		return l.hex()
	case c == '[':
		l.pos++
		a := array{}
		for {
			l.skip()
			if l.pos < len(l.b) && l.b[l.pos] == ']' {
				l.pos++
				return a, nil
			}
			v, err := l.value(depth + 1)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
	case c == '+' || c == '-' || c == '.' || c >= '0' && c <= '9':
		w := l.word()
		if _, err := strconv.ParseFloat(w, 64); err != nil {
			return nil, l.errorf("bad number %q", w)
		}
		if n, err := strconv.Atoi(w); err == nil && n >= 0 && w[0] != '+' {
			save := l.pos
			l.skip()
			g := l.word()
			if gn, err := strconv.Atoi(g); err == nil && gn >= 0 && gn <= 65535 && l.keyword("R") {
				return ref{n, gn}, nil
			}
			l.pos = save
		}
		return number(w), nil
	default:
		switch w := l.word(); w {
		case "true":
			return boolean(true), nil
		case "false":
			return boolean(false), nil
		case "null":
			return null{}, nil
		case "":
			return nil, l.errorf("unexpected %q", c)
		default:
			return nil, l.errorf("unexpected keyword %q", w)
		}
	}
}

// literal reads a (string), decoding its escapes.
func (l *lexer) literal() (value, error) {
	l.pos++ // (
	var out []byte
	depth := 1
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		l.pos++
		switch c {
		case '(':
			depth++
		case ')':
			if depth--; depth == 0 {
				return str{b: out}, nil
			}
		case '\\':
			if l.pos >= len(l.b) {
				return nil, l.errorf("unterminated string")
			}
			e := l.b[l.pos]
			l.pos++
			switch e {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case '\r':
				if l.pos < len(l.b) && l.b[l.pos] == '\n' {
					l.pos++
				}
				continue
			case '\n':
				continue
			default:
				if e >= '0' && e <= '7' {
					v := int(e - '0')
					for i := 0; i < 2 && l.pos < len(l.b) && l.b[l.pos] >= '0' && l.b[l.pos] <= '7'; i++ {
						v = v*8 + int(l.b[l.pos]-'0')
						l.pos++
					}
					c = byte(v)
				} else {
					c = e
				}
			}
		}
		out = append(out, c)
	}
	return nil, l.errorf("unterminated string")
}

// hex reads a <hex string>.
func (l *lexer) hex() (value, error) {
	l.pos++ // <
	var digits []byte
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		l.pos++
		switch {
		case c == '>':
			if len(digits)%2 == 1 {
				digits = append(digits, '0')
			}
			out := make([]byte, len(digits)/2)
			for i := range out {
				out[i] = unhex(digits[2*i])<<4 | unhex(digits[2*i+1])
			}
			return str{b: out, hex: true}, nil
		case isSpace(c):
		case c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F':
			digits = append(digits, c)
		default:
			return nil, l.errorf("bad hex string")
		}
	}
	return nil, l.errorf("unterminated hex string")
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

// write appends v in PDF syntax.
func write(buf *bytes.Buffer, v value) {
	switch v := v.(type) {
	case name:
		buf.WriteByte('/')
		buf.WriteString(string(v))
	case number:
		buf.WriteString(string(v))
	case boolean:
		buf.WriteString(strconv.FormatBool(bool(v)))
	case null:
		buf.WriteString("null")
	case ref:
		fmt.Fprintf(buf, "%d %d R", v.num, v.gen)
	case str:
		if v.hex {
			fmt.Fprintf(buf, "<%x>", v.b)
			return
		}
		buf.WriteByte('(')
		for _, c := range v.b {
			switch c {
			case '(', ')', '\\':
				buf.WriteByte('\\')
				buf.WriteByte(c)
			case '\r':
				buf.WriteString(`\r`)
			default:
				buf.WriteByte(c)
			}
		}
		buf.WriteByte(')')
	case array:
		buf.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				buf.WriteByte(' ')
			}
			write(buf, e)
		}
		buf.WriteByte(']')
	case *dict:
		buf.WriteString("<<")
		for _, e := range v.entries {
			buf.WriteString("\n/")
			buf.WriteString(string(e.key))
			buf.WriteByte(' ')
			write(buf, e.val)
		}
		buf.WriteString("\n>>")
	default:
		panic(fmt.Sprintf("pdfx: cannot write %T", v))
	}
}
