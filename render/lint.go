package render

// Problem is one thing wrong with a template, found when it is checked
// (oshigoods templates check): the file and the manifest field it is in,
// and what to do about it.
type Problem struct {
	// File is the path relative to the catalogue root, e.g.
	// "voice-alarm-morning/line-okite.wav" or "card-x/template.json".
	File string
	// Field is the manifest field, e.g. "voice.lines[2].file".
	Field string
	// Message says what is wrong and what to do, in English.
	Message string
	// Warning is true when the template still renders, but a fan may
	// notice (a quiet voice line, a cutout without soft edges).
	Warning bool
}

// Linter is implemented by a compiled renderer that can check its own
// template beyond what compiling refuses: assets' formats, loudness,
// glyph coverage of fixed text.
type Linter interface {
	Lint() []Problem
}
