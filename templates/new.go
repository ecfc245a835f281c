package templates

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"oshigoods"
	"oshigoods/orders"
	"oshigoods/render"
)

// NewOptions describe a starting template for New.
type NewOptions struct {
	// Kind is render.KindCard, render.KindPhoto or render.KindVoice.
	Kind render.Kind
	// ID is the template's id, also its folder's name.
	ID string
	// Title is the name fans see; "" means a placeholder marked （仮）.
	Title string
	// Price is in whole yen, tax included; zero means the built-in
	// template's of that kind (card 880, photo 1200, voice 660).
	Price orders.Yen
}

// starterPrice is the price of a starting template of each kind: the
// built-in template's.
var starterPrice = map[render.Kind]orders.Yen{render.KindCard: 880, render.KindPhoto: 1200, render.KindVoice: 660}

// New writes a starting template into dir/<id>, a folder that must not
// exist yet (or be empty): a template.json whose "_comment" key points to
// the README.md beside it, which explains every key, and starter assets.
// A card uses the built-in fonts (fonts/, through Folder); a photo gets a
// generated placeholder cutout and frame at the pixel sizes its rects
// need; a voice template gets copies of the built-in sample recordings.
// The template passes Check as written and renders. It returns the paths
// written. Errors are EINVALID naming the option (kind, id, price) or the
// folder, or what writing failed with.
func New(dir string, opts NewOptions) ([]string, error) {
	if starterPrice[opts.Kind] == 0 {
		return nil, &oshigoods.Error{Code: oshigoods.EINVALID, Field: "kind", Message: fmt.Sprintf("kind %q: want card, photo or voice.", opts.Kind)}
	}
	if !idPattern.MatchString(opts.ID) {
		return nil, &oshigoods.Error{Code: oshigoods.EINVALID, Field: "id", Message: fmt.Sprintf("id %q: want lower-case letters, digits and dashes, starting with a letter or digit, at most 63.", opts.ID)}
	}
	if opts.Price == 0 {
		opts.Price = starterPrice[opts.Kind]
	}
	if opts.Price < 1 || opts.Price > MaxPrice {
		return nil, &oshigoods.Error{Code: oshigoods.EINVALID, Field: "price", Message: fmt.Sprintf("price %d: want whole yen, tax included, from 1 to %d.", opts.Price, MaxPrice)}
	}
	folder := filepath.Join(dir, opts.ID)
	if entries, err := os.ReadDir(folder); err == nil && len(entries) > 0 {
		return nil, &oshigoods.Error{Code: oshigoods.EINVALID, Field: "dir", Message: fmt.Sprintf("%s exists and is not empty: choose another id or folder.", folder)}
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	files, err := starter(opts)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(folder, 0o755); err != nil {
		return nil, err
	}
	var written []string
	for _, f := range files {
		p := filepath.Join(folder, f.name)
		if err := os.WriteFile(p, f.data, 0o644); err != nil {
			return written, err
		}
		written = append(written, p)
	}
	return written, nil
}

type newFile struct {
	name string
	data []byte
}

// q is s as a JSON string.
func q(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func starter(o NewOptions) ([]newFile, error) {
	title := o.Title
	if title == "" {
		title = map[render.Kind]string{
			render.KindCard:  "（仮）推しからの手紙",
			render.KindPhoto: "（仮）推しと2ショット写真（L判）",
			render.KindVoice: "（仮）推しの目覚ましボイス",
		}[o.Kind]
	}
	head := fmt.Sprintf(`{
  "_comment": "A %s template. README.md beside this file explains every key; a key starting with _ is a comment. Check with: oshigoods templates check <folder>",
  "id": %s,
  "kind": %q,
  "title": %s,
  "price": %d,
`, o.Kind, q(o.ID), o.Kind, q(title), o.Price)
	readme := []byte(strings.NewReplacer("{id}", o.ID, "{title}", title, "{price}", fmt.Sprint(o.Price)).Replace(starterReadme[o.Kind] + starterReadmeEnd))
	switch o.Kind {
	case render.KindCard:
		manifest := head + `  "description": "推しから届いた手紙のような、縦書きのメッセージカード。はがきサイズ（100×148 mm）。（説明を書きかえてください）",
  "card": {
    "direction": "vertical",
    "width_mm": 100,
    "height_mm": 148,
    "preview_dpi": 150,
    "paper": {"color": "#fff8ef", "rules": "ruled", "rule_color": "#e8b4ae"},
    "font": "fonts/KleeOne-Regular.ttf",
    "fallback_font": "fonts/Symbola_hint.ttf",
    "font_size_pt": 11,
    "min_font_size_pt": 8.5,
    "line_pitch": 1.8,
    "chars_per_line": 27,
    "lines": 10,
    "text_color": "#3b2a26",
    "recipient": "{to}へ",
    "honorific": {"default": "さん", "choices": ["さん", "ちゃん", "くん", "様", "none"]},
    "body": "いつも応援してくれて、本当にありがとう。\nここに、推しからの手紙を書きます。{to}の名前も入れられます。\nこれからも、ずっとよろしくね。",
    "date": "{date}",
    "date_style": "kanji",
    "signature": "（推しの名前）より"
  }
}
`
		return []newFile{{"template.json", []byte(manifest)}, {"README.md", readme}}, nil
	case render.KindPhoto:
		manifest := head + fmt.Sprintf(`  "description": "あなたの写真に推しが並んで2ショットに。お名前も入れられます。L判（89×127 mm）。（説明を書きかえてください）",
  "photo": {
    "canvas": {"width_mm": 89, "height_mm": 127, "dpi": 300, "bleed_mm": 4, "safe_mm": 3},
    "background": "#ffe4ef",
    "slot": {
      "label": "写真（JPEG・PNG・HEIC・WebP）",
      "rect": {"x_mm": 5, "y_mm": 8, "width_mm": 79, "height_mm": 98},
      "min_dpi": 150,
      "good_dpi": 300,
      "face_box": {"x_mm": 9, "y_mm": 22, "width_mm": 26, "height_mm": 28}
    },
    "cutout": {
      "asset": %s,
      "rect": {"x_mm": 38, "y_mm": 26.5, "width_mm": 46, "height_mm": 79.5}
    },
    "frame": {"asset": %s},
    "name": {
      "label": "お名前（推し活ネームもOK）",
      "max_length": 20,
      "default": "",
      "font": "fonts/KleeOne-Regular.ttf",
      "color": "#e9558f",
      "outline_color": "#ffffff",
      "outline_mm": 0.5,
      "bold_mm": 0.12,
      "max_size_pt": 20,
      "min_size_pt": 9,
      "align": "center",
      "rect": {"x_mm": 14, "y_mm": 109.5, "width_mm": 61, "height_mm": 11}
    },
    "preview_long_edge_px": 480,
    "jpeg_quality": 92
  }
}
`, q(o.ID+"/cutout.png"), q(o.ID+"/frame.png"))
		cutout, frame, err := starterArt([]byte(manifest))
		if err != nil {
			return nil, err
		}
		return []newFile{{"template.json", []byte(manifest)}, {"README.md", readme}, {"cutout.png", cutout}, {"frame.png", frame}}, nil
	default: // voice
		manifest := head + fmt.Sprintf(`  "description": "推しがあなたの名前を呼んで起こしてくれる目覚ましボイス。（説明を書きかえてください）",
  "voice": {
    "max_lines": 3,
    "gap_ms": 350,
    "repeat_gap_ms": 1200,
    "default_repeat": 2,
    "chime": %s,
    "names": [
      {"id": "sakura", "label": "さくらちゃん", "file": %s},
      {"id": "taro",   "label": "たろうくん",   "file": %s}
    ],
    "lines": [
      {"id": "ohayou",  "text": "おはよう！", "file": %s},
      {"id": "okite",   "text": "起きて！",   "file": %s},
      {"id": "daisuki", "text": "大好き！",   "file": %s}
    ]
  }
}
`, q(o.ID+"/chime.wav"), q(o.ID+"/name-sakura.wav"), q(o.ID+"/name-taro.wav"), q(o.ID+"/line-ohayou.wav"), q(o.ID+"/line-okite.wav"), q(o.ID+"/line-daisuki.wav"))
		files := []newFile{{"template.json", []byte(manifest)}, {"README.md", readme}}
		for _, name := range []string{"chime.wav", "name-sakura.wav", "name-taro.wav", "line-ohayou.wav", "line-okite.wav", "line-daisuki.wav"} {
			data, err := fs.ReadFile(FS(), "voice-alarm-morning/"+name)
			if err != nil {
				return nil, fmt.Errorf("copy the built-in sample %s: %w", name, err)
			}
			files = append(files, newFile{name, data})
		}
		return files, nil
	}
}

// starterReadme is the README.md of a starting template of each kind: the
// manifest's keys, commented, since JSON has no comments. {id}, {title}
// and {price} are replaced.
var starterReadme = map[render.Kind]string{
	render.KindCard: "# {id} — {title}\n\n" +
		"A letter card (手紙・便箋カード), made by `oshigoods templates new --kind card`. It uses the\n" +
		"built-in fonts (`fonts/…`: Klee One, SIL OFL 1.1; Symbola as the fallback for emoji), so the\n" +
		"folder holds only this README and `template.json`. The shop's guide (templates/README.md in\n" +
		"oshigoods) has the details; here is what each key of `template.json` means.\n\n" +
		"| key | meaning |\n|---|---|\n" +
		"| `_comment` | a comment: any key starting with `_` is ignored |\n" +
		"| `id` | the template's id, the same as this folder's name: lower-case letters, digits, dashes |\n" +
		"| `kind` | `card` |\n" +
		"| `title`, `description` | what fans see in the shop (商品名・説明) |\n" +
		"| `price` | one card in whole yen, tax included (税込・総額表示), now {price} |\n" +
		"| `card.direction` | `vertical` (縦書き) or `horizontal` (横書き) |\n" +
		"| `card.width_mm`, `card.height_mm` | the trim size; 100×148 is はがき |\n" +
		"| `card.preview_dpi` | the resolution of the PNG preview fans see |\n" +
		"| `card.paper` | `color` of the paper, `rules` `ruled` (便箋の罫線) or `plain`, `rule_color` |\n" +
		"| `card.font`, `card.fallback_font` | TrueType fonts, paths from the catalogue root; the fallback draws what the font lacks |\n" +
		"| `card.font_size_pt`, `card.min_font_size_pt` | the size, and the smallest a long message may shrink to |\n" +
		"| `card.line_pitch` | line spacing in em (1.8 = 行送り 1.8倍) |\n" +
		"| `card.chars_per_line`, `card.lines` | the text box, in characters per line and lines; it must stay 3 mm inside the trim |\n" +
		"| `card.text_color` | the ink colour |\n" +
		"| `card.recipient` | the first line; `{to}` is the fan's name with its honorific, `{name}` the name as typed |\n" +
		"| `card.honorific` | `default` is added to the name only when the fan did not write one (ゆいちゃん stays ゆいちゃん); `choices` are offered in the form (`none`: the name alone) |\n" +
		"| `card.body` | the letter, used when the fan writes no message; `{to}` as in `recipient`; a line break (`\\n`) starts a paragraph; write nothing that dates it |\n" +
		"| `card.date` | a line after the body: `{date}` is the order's month in Japan time, or a fixed text, or empty for none |\n" +
		"| `card.date_style` | how `{date}` is written: `kanji` 二〇二六年十二月, `western` 2026年12月, `reiwa` 令和8年12月, `reiwa-kanji` 令和八年十二月 |\n" +
		"| `card.signature` | the idol's name at the end (署名) |\n" +
		"| `card.signature_image`, `card.signature_length_mm` | optional: a PNG of a handwritten サイン on a transparent background, and its length along the line |\n",
	render.KindPhoto: "# {id} — {title}\n\n" +
		"A composite photo (2ショット写真), made by `oshigoods templates new --kind photo`. The\n" +
		"`cutout.png` and `frame.png` here are generated placeholders at the right pixel sizes:\n" +
		"replace them with your own art at the same sizes. The shop's guide (templates/README.md in\n" +
		"oshigoods) has the details; here is what each key of `template.json` means. Lengths are\n" +
		"millimetres from the top-left corner of the trim (仕上がり).\n\n" +
		"| key | meaning |\n|---|---|\n" +
		"| `_comment` | a comment: any key starting with `_` is ignored |\n" +
		"| `id` | the template's id, the same as this folder's name: lower-case letters, digits, dashes |\n" +
		"| `kind` | `photo` |\n" +
		"| `title`, `description` | what fans see in the shop (商品名・説明) |\n" +
		"| `price` | one print in whole yen, tax included (税込・総額表示), now {price} |\n" +
		"| `photo.canvas` | trim size (L判 89×127), `dpi` (300), `bleed_mm` (塗り足し: art reaches this far past the trim; 4 covers every print profile), `safe_mm` (text and faces stay this far inside) |\n" +
		"| `photo.background` | the colour under everything |\n" +
		"| `photo.slot` | where the fan's photo goes: `rect`, `label`, `min_dpi` (refused below), `good_dpi` (warned below), `face_box` (where a detected face is placed) |\n" +
		"| `photo.cutout` | the idol's PNG with transparency (`asset`) and where it goes (`rect`): at 300 dpi the 46×79.5 mm rect is 543×939 px |\n" +
		"| `photo.frame` | a PNG covering the whole canvas with its bleed (97×135 mm = 1146×1594 px at 300 dpi), transparent over the photo |\n" +
		"| `photo.name` | the optional name text: `label`, `max_length`, `default`, `font`, `color`, `outline_*`, `bold_mm`, `max_size_pt`/`min_size_pt` (auto-fit), `align`, `rect` |\n" +
		"| `photo.date` | optional, like `name`, for a date the fan types |\n" +
		"| `photo.preview_long_edge_px`, `photo.jpeg_quality` | the preview's size and the JPEGs' quality |\n",
	render.KindVoice: "# {id} — {title}\n\n" +
		"A voice alarm (目覚ましボイス), made by `oshigoods templates new --kind voice`. The WAV files\n" +
		"here are copies of the built-in samples (synthesised, not an idol's voice): replace them with\n" +
		"your recordings — 48 kHz mono 16-bit PCM WAV, silence trimmed, all at about the same loudness.\n" +
		"The shop's guide (templates/README.md in oshigoods) has the details; here is what each key of\n" +
		"`template.json` means.\n\n" +
		"| key | meaning |\n|---|---|\n" +
		"| `_comment` | a comment: any key starting with `_` is ignored |\n" +
		"| `id` | the template's id, the same as this folder's name: lower-case letters, digits, dashes |\n" +
		"| `kind` | `voice` |\n" +
		"| `title`, `description` | what fans see in the shop (商品名・説明) |\n" +
		"| `price` | one clip in whole yen, tax included (税込・総額表示), now {price} |\n" +
		"| `voice.max_lines` | the most lines (セリフ) a fan may pick |\n" +
		"| `voice.gap_ms`, `voice.repeat_gap_ms` | the silence between clips, and between repeats |\n" +
		"| `voice.default_repeat` | repeats when the fan gives none |\n" +
		"| `voice.chime` | a WAV played at the start of every repeat; empty for none |\n" +
		"| `voice.bgm` | optional background music: `{\"file\": …, \"gain_db\": -20, \"duck_db\": -10}` |\n" +
		"| `voice.names` | the recorded name calls (呼び名): `id` (a-z, 0-9, _ and -), `label` shown to fans, `file` |\n" +
		"| `voice.lines` | the recorded lines: `id`, `text` shown to fans, `file` |\n",
}

const starterReadmeEnd = "\nCheck it, and look at the samples it renders, with:\n\n" +
	"    oshigoods templates check <this folder>\n\n" +
	"Then point `OSHIGOODS_TEMPLATES_DIR` at the folder that holds this one and reload the server.\n"
