package templates

import (
	"embed"
	"io/fs"

	"oshigoods/render"
	"oshigoods/render/card"
	"oshigoods/render/photo"
	"oshigoods/render/voice"
)

//go:generate go test -run ^TestBuiltinSums$ -update-sums .

// files holds the shipped templates and their assets. Add a template's
// folder here when adding the template. After adding or changing a file of
// 1 MiB or more (a font), run go generate: builtin_sums.go keeps its
// SHA-256, which TestBuiltinSums checks.
//
//go:embed fonts photo-2shot-l/template.json photo-2shot-l/*.png voice-alarm-morning card-letter-tate/template.json card-letter-tate/*.png card-letter-yoko
var files embed.FS

// FS returns the shipped templates and assets.
func FS() fs.FS { return files }

// Compilers returns the compiler of every product kind.
func Compilers() map[render.Kind]Compiler {
	return map[render.Kind]Compiler{
		render.KindCard:  card.Compile,
		render.KindPhoto: photo.Compile,
		render.KindVoice: voice.Compile,
	}
}

// Builtin loads the shipped catalogue.
func Builtin() (*Catalog, error) { return Load(FS(), Compilers()) }
