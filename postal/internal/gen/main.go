package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

func main() {
	src := flag.String("src", "", "extracted npm package `dir` (holding json/*.json)")
	source := flag.String("source", "", "package name@version, written into the output's header")
	out := flag.String("out", "postal/data/codes.txt.gz", "output `file`")
	flag.Parse()
	if *src == "" || *source == "" {
		fmt.Fprintln(os.Stderr, "gen: -src and -source are required")
		flag.Usage()
		os.Exit(2)
	}
	st, err := writeFile(*out, func(w io.Writer) (stats, error) {
		st, err := convert(os.DirFS(*src), *source, w)
		if err == nil {
			err = check(st)
		}
		return st, err
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "gen: %s: %s; %d codes, %d addresses, %d cities, %d prefectures; skipped %d business codes\n",
		*out, st.dataVersion, st.codes, st.addresses, st.cities, st.prefectures, st.business)
}

// writeFile writes through a temporary file in out's folder and renames it
// over out once fill succeeded.
func writeFile(out string, fill func(io.Writer) (stats, error)) (stats, error) {
	f, err := os.CreateTemp(filepath.Dir(out), ".gen-*")
	if err != nil {
		return stats{}, fmt.Errorf("create output: %w", err)
	}
	defer os.Remove(f.Name())
	st, err := fill(f)
	if err != nil {
		f.Close()
		return stats{}, err
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return stats{}, fmt.Errorf("chmod output: %w", err)
	}
	if err := f.Close(); err != nil {
		return stats{}, fmt.Errorf("close output: %w", err)
	}
	if err := os.Rename(f.Name(), out); err != nil {
		return stats{}, fmt.Errorf("rename output: %w", err)
	}
	return st, nil
}
