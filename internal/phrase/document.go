package phrase

import (
	"html"
	"strings"
)

// opaque are the elements whose content Document leaves as it is: raw text
// (script, style), text a fan edits (textarea), and text that may hold no
// markup (title, option).
var opaque = map[string]bool{"script": true, "style": true, "textarea": true, "title": true, "option": true}

// Document returns an HTML document or fragment with every text node that
// has Japanese in it written by HTML: a <wbr> between its phrases. Tags,
// attributes, comments and the content of script, style, textarea, title
// and option are left as they are; so is text without Japanese. It expects
// markup as html/template and goldmark write it (quoted attributes, no
// stray "<" in text); a tag it cannot read to its end is copied as text
// up to that point, never changed.
func Document(doc string) string {
	var b strings.Builder
	b.Grow(len(doc) + len(doc)/8)
	for i := 0; i < len(doc); {
		lt := strings.IndexByte(doc[i:], '<')
		if lt < 0 {
			b.WriteString(text(doc[i:]))
			break
		}
		b.WriteString(text(doc[i : i+lt]))
		i += lt
		if strings.HasPrefix(doc[i:], "<!--") {
			end := strings.Index(doc[i+4:], "-->")
			if end < 0 {
				b.WriteString(doc[i:])
				break
			}
			b.WriteString(doc[i : i+4+end+3])
			i += 4 + end + 3
			continue
		}
		end := tagEnd(doc, i)
		if end < 0 {
			b.WriteString(doc[i:])
			break
		}
		tag := doc[i:end]
		b.WriteString(tag)
		i = end
		if name := tagName(tag); opaque[name] {
			// Copy up to the element's end tag.
			close := strings.Index(strings.ToLower(doc[i:]), "</"+name)
			if close < 0 {
				b.WriteString(doc[i:])
				break
			}
			b.WriteString(doc[i : i+close])
			i += close
		}
	}
	return b.String()
}

// tagEnd returns the index just past the ">" that ends the tag starting at
// doc[i] ("<"), skipping quoted attribute values, or -1.
func tagEnd(doc string, i int) int {
	var quote byte
	for j := i + 1; j < len(doc); j++ {
		c := doc[j]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			return j + 1
		}
	}
	return -1
}

// tagName returns a start tag's element name in lower case; "" for an end
// tag, a doctype or anything else.
func tagName(tag string) string {
	t := strings.TrimPrefix(tag, "<")
	n := 0
	for n < len(t) && (t[n] >= 'a' && t[n] <= 'z' || t[n] >= 'A' && t[n] <= 'Z' || t[n] >= '0' && t[n] <= '9') {
		n++
	}
	return strings.ToLower(t[:n])
}

// text rewrites one text node's HTML.
func text(s string) string {
	if s == "" {
		return s
	}
	plain := html.UnescapeString(s)
	if !HasJapanese(plain) && !strings.ContainsAny(plain, attached) {
		return s
	}
	return HTML(plain)
}
