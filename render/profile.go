package render

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"oshigoods"
	"oshigoods/render/pdfx"
)

// Profile is a print shop's output profile: how print files are finished,
// whatever the template. An installation chooses one by configuration
// (OSHIGOODS_PRINT_PROFILE); the worker passes it to every render in
// Inputs.Profile. The zero Profile is a digital one: no bleed, no marks.
type Profile struct {
	Name string `json:"name"`
	// BleedMM is added on every side of the trim; backgrounds extend into
	// it, text and faces stay inside the safe area.
	BleedMM float64 `json:"bleed_mm"`
	// CropMarks draws トンボ (corner and centre crop marks) outside the
	// bleed, on a page enlarged to hold them.
	CropMarks bool `json:"crop_marks"`
	// PhotoFormat is the photo print file's format: "jpeg", or "pdf" (the
	// image on a page with TrimBox and BleedBox). Cards are always PDF.
	PhotoFormat string `json:"photo_format"`
	// OutputICC is the print shop's output profile (RGB or CMYK), the
	// output intent of every print PDF; LoadOutputICC reads one. Nil is
	// sRGB IEC 61966-2.1. RGB content is tagged sRGB whatever it is.
	OutputICC []byte `json:"-"`
	// OutputICCName is the output condition OutputICC names (its
	// description); empty with OutputICC nil.
	OutputICCName string `json:"output_icc,omitempty"`
}

// LoadOutputICC reads an ICC output profile for Profile.OutputICC and
// returns it with its name (its description, else the file's name). The
// file must be an RGB or CMYK output or display profile (signature acsp,
// a size field equal to the file's size); the error names the path and
// what is wrong.
func LoadOutputICC(path string) (icc []byte, name string, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, "", fmt.Errorf("read output ICC profile: %w", err)
	}
	p, err := pdfx.ParseICC(b)
	if err != nil {
		return nil, "", fmt.Errorf("output ICC profile %s: %w", path, err)
	}
	name = p.Description
	if name == "" {
		name = filepath.Base(path)
	}
	return b, name, nil
}

// DefaultProfileName is the profile used when none is configured.
const DefaultProfileName = "jp-standard"

// profiles are the built-in profiles. 3 mm bleed is the Japanese print
// shops' default; some ask for 4 mm.
var profiles = map[string]Profile{
	"jp-standard": {Name: "jp-standard", BleedMM: 3, PhotoFormat: "jpeg"},
	"jp-tombo":    {Name: "jp-tombo", BleedMM: 3, CropMarks: true, PhotoFormat: "pdf"},
	"bleed4":      {Name: "bleed4", BleedMM: 4, PhotoFormat: "jpeg"},
	"bleed4-pdf":  {Name: "bleed4-pdf", BleedMM: 4, CropMarks: true, PhotoFormat: "pdf"},
	"digital":     {Name: "digital", PhotoFormat: "jpeg"},
}

// LookupProfile returns the built-in profile with the given name; "" is
// DefaultProfileName. An unknown name is EINVALID, listing the known ones.
func LookupProfile(name string) (Profile, error) {
	if name == "" {
		name = DefaultProfileName
	}
	if p, ok := profiles[name]; ok {
		return p, nil
	}
	return Profile{}, &oshigoods.Error{Code: oshigoods.EINVALID, Field: "profile",
		Message: fmt.Sprintf("unknown print profile %q; profiles are %s.", name, strings.Join(ProfileNames(), ", "))}
}

// ProfileNames lists the built-in profiles, sorted.
func ProfileNames() []string {
	names := make([]string, 0, len(profiles))
	for n := range profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Finish returns a template's output description as this profile finishes
// it: print kinds get the profile's bleed, and photos its file format.
func (p Profile) Finish(k Kind, o Output) Output {
	if o.WidthMM > 0 {
		o.BleedMM = p.BleedMM
	}
	if k == KindPhoto && p.PhotoFormat != "" {
		o.Format = p.PhotoFormat
	}
	return o
}

// MaxBleedMM is the most bleed a Profile may add on each side.
const MaxBleedMM = 10

// Validate reports a profile no renderer can finish with: a photo format
// other than "" (jpeg), "jpeg" or "pdf", or a bleed outside 0–MaxBleedMM.
// Each problem is an *oshigoods.ConfigError, joined.
func (p Profile) Validate() error {
	var errs []error
	switch p.PhotoFormat {
	case "", "jpeg", "pdf":
	default:
		errs = append(errs, &oshigoods.ConfigError{Field: "PhotoFormat", Value: p.PhotoFormat, Problem: `is not a photo format; give "jpeg" or "pdf"`})
	}
	if !(p.BleedMM >= 0 && p.BleedMM <= MaxBleedMM) {
		errs = append(errs, &oshigoods.ConfigError{Field: "BleedMM", Value: p.BleedMM, Problem: fmt.Sprintf("is out of range; give 0–%d mm", MaxBleedMM)})
	}
	return errors.Join(errs...)
}
