package voice

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"strings"
	"unicode/utf8"

	"oshigoods"
	"oshigoods/orders"
)

// The names list: name calls declared in a names file (Spec.NamesFile
// describes the format) rather than in the manifest.

// MaxNames is the most name calls a template may offer, inline or in a
// names file. Every name call stays in memory decoded and resampled to each
// output rate (about 0.25 MB per second of recording), and even a filtered
// list longer than this is more than a fan scrolls through.
const MaxNames = 300

const (
	// maxNamesFileBytes bounds a names file; 300 lines take about 30 kB.
	maxNamesFileBytes = 1 << 20
	// maxLabelRunes is the longest label, in characters.
	maxLabelRunes = 32
)

// namesHeader is the required first line of a names file.
var namesHeader = []string{"id", "label", "reading", "file"}

// readingPattern is hiragana, with the long-vowel mark and the iteration
// marks.
var readingPattern = regexp.MustCompile(`^[\p{Hiragana}ー]+$`)

// nameEntry is a name call and where the template declares it.
type nameEntry struct {
	NameSpec        // File is relative to the catalogue root
	where    string // for compile errors: "names[3]" or "voice-alarm-morning/names.tsv:12"
	field    string // for Lint: "voice.names[3].file" or "voice.names_file:12"
}

// checkName validates one name call's id, label, reading and file, and
// returns what is wrong without saying where.
func checkName(n NameSpec) error {
	switch {
	case !choiceID.MatchString(n.ID):
		return fmt.Errorf("id %q: want 1 to 32 lower-case letters, digits, \"_\" or \"-\", starting with a letter or digit", n.ID)
	case strings.TrimSpace(n.Label) == "":
		return errors.New("label is empty: give what the fan reads, e.g. ゆいちゃん")
	case utf8.RuneCountInString(n.Label) > maxLabelRunes:
		return fmt.Errorf("label %q is %d characters; the limit is %d", n.Label, utf8.RuneCountInString(n.Label), maxLabelRunes)
	case n.Reading != "" && !readingPattern.MatchString(n.Reading):
		return fmt.Errorf("reading %q: want hiragana only, e.g. ゆいちゃん, or nothing", n.Reading)
	case n.File == "":
		return errors.New("file is empty: give the recording of this name call")
	}
	if err := orders.CheckText("label", n.Label, false); err != nil {
		return errors.New(oshigoods.ErrorMessage(err))
	}
	return nil
}

// readNames reads the names file p (a path in fsys) and returns its name
// calls with File resolved against p's folder. Every error names p and,
// where there is one, the line: a missing or wrong header, a line without
// four columns, a bad id, label, reading or file, an id already used on
// an earlier line, more than MaxNames names, a file that is not UTF-8, or
// no names at all. Whether the recordings exist is checked by the caller,
// which decodes them.
func readNames(fsys fs.FS, p string) ([]nameEntry, error) {
	if !fs.ValidPath(p) {
		return nil, fmt.Errorf("names_file %q: want a path relative to the catalogue root, e.g. voice-alarm-morning/names.tsv", p)
	}
	if info, err := fs.Stat(fsys, p); err != nil {
		return nil, fmt.Errorf("names_file: %w", err)
	} else if info.Size() > maxNamesFileBytes {
		return nil, fmt.Errorf("%s: %d bytes; the limit is %d", p, info.Size(), maxNamesFileBytes)
	}
	data, err := fs.ReadFile(fsys, p)
	if err != nil {
		return nil, fmt.Errorf("names_file: %w", err)
	}
	if bytes.HasPrefix(data, []byte{0xff, 0xfe}) || bytes.HasPrefix(data, []byte{0xfe, 0xff}) {
		return nil, fmt.Errorf("%s: the file is UTF-16 (a spreadsheet's \"Unicode text\"); save it as UTF-8", p)
	}
	data = bytes.TrimPrefix(data, []byte{0xef, 0xbb, 0xbf})
	if !utf8.Valid(data) {
		bad := len(data)
		for i := 0; i < len(data); {
			r, size := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && size <= 1 {
				bad = i
				break
			}
			i += size
		}
		return nil, fmt.Errorf("%s:%d: not UTF-8 (Shift_JIS?); save the file as UTF-8", p, 1+bytes.Count(data[:bad], []byte("\n")))
	}

	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = '\t'
	r.Comment = '#'
	r.FieldsPerRecord = -1 // counted below, to say which line
	r.ReuseRecord = true
	dir := path.Dir(p)
	var (
		out    []nameEntry
		seen   = map[string]int{} // id → line
		header bool
	)
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("%s:%d: %v", p, pe.Line, pe.Err)
		} else if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		line, _ := r.FieldPos(0)
		at := fmt.Sprintf("%s:%d", p, line)
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		if !header {
			if strings.Join(rec, "\t") != strings.Join(namesHeader, "\t") {
				return nil, fmt.Errorf("%s: want the header line \"id<TAB>label<TAB>reading<TAB>file\"; got %q", at, strings.Join(rec, "\t"))
			}
			header = true
			continue
		}
		if len(rec) != len(namesHeader) {
			return nil, fmt.Errorf("%s: %d columns; want 4 separated by tabs: id, label, reading (may be empty), file", at, len(rec))
		}
		if len(out) == MaxNames {
			return nil, fmt.Errorf("%s: more than %d names; the limit is %d", at, MaxNames, MaxNames)
		}
		n := NameSpec{ID: rec[0], Label: rec[1], Reading: rec[2], File: rec[3]}
		if err := checkName(n); err != nil {
			return nil, fmt.Errorf("%s: %w", at, err)
		}
		if first, dup := seen[n.ID]; dup {
			return nil, fmt.Errorf("%s: id %q is already on line %d", at, n.ID, first)
		}
		seen[n.ID] = line
		f := path.Join(dir, n.File)
		if path.IsAbs(n.File) || !fs.ValidPath(f) {
			return nil, fmt.Errorf("%s: file %q: want a path relative to the folder of %s", at, n.File, p)
		}
		n.File = f
		out = append(out, nameEntry{NameSpec: n, where: at, field: fmt.Sprintf("voice.names_file:%d", line)})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no names: want a header line and at least one name call", p)
	}
	return out, nil
}
