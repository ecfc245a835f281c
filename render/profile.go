package render

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"oshigoods"
	"oshigoods/orders"
	"oshigoods/render/pdfx"
)

// Profile is a print shop's output profile (orders.Profile): how print
// files are finished, whatever the template. The zero Profile is a digital
// one: no bleed, no marks.
type Profile = orders.Profile

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

// MaxBleedMM is the most bleed a Profile may add on each side
// (orders.Profile.Validate).
const MaxBleedMM = orders.MaxBleedMM
