package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/mattn/go-isatty"

	"oshigoods/render"
	"oshigoods/shopclient"
)

// cmdPull runs the print shop's hot-folder client.
func cmdPull(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg shopclient.Config
	var kinds, tpls, icc string
	fs := flag.NewFlagSet("pull", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.Server, "server", getenv("OSHIGOODS_SERVER"), "the oshigoods API's URL (OSHIGOODS_SERVER)")
	fs.StringVar(&cfg.Key, "key", getenv("OSHIGOODS_SHOP_KEY"), "the print-shop key, shk_… (OSHIGOODS_SHOP_KEY)")
	fs.StringVar(&cfg.Dir, "dir", "", "hot folder: files go in DIR/<claim>/<order>/<item>/")
	fs.BoolVar(&cfg.Watch, "watch", false, "keep claiming as orders become ready, until interrupted")
	fs.DurationVar(&cfg.Interval, "interval", 0, "with --watch, how often to ask for ready orders (default 10s)")
	fs.StringVar(&kinds, "kinds", "", "only orders of these kinds, comma-separated: photo,card,voice")
	fs.StringVar(&tpls, "templates", "", "only orders of these templates, comma-separated")
	fs.IntVar(&cfg.Max, "max", 0, "most orders per claim (default 10)")
	fs.DurationVar(&cfg.Lease, "lease", 0, "how long a claim holds its orders (default 15m)")
	fs.StringVar(&cfg.Impose, "impose", "", "also impose photos and cards on sheets: A4, A3 or SRA3")
	fs.StringVar(&icc, "output-icc", getenv("OSHIGOODS_OUTPUT_ICC"), "with --impose, the press's ICC output profile for the sheets' PDF/X-4 output intent (default sRGB) (OSHIGOODS_OUTPUT_ICC)")
	fs.StringVar(&cfg.Carrier, "carrier", "yamato-b2", "the carrier label file written beside the manifest: yamato-b2, japanpost-clickpost or none")
	fs.Int64Var(&cfg.RateLimit, "limit-rate", 0, "cap downloads at this many bytes per second")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	cfg.Kinds, cfg.Templates = splitList(kinds), splitList(tpls)
	if icc != "" {
		var err error
		if cfg.OutputICC, cfg.OutputICCName, err = render.LoadOutputICC(icc); err != nil {
			return fmt.Errorf("--output-icc: %w", err)
		}
	}
	cfg.Progress = stderr
	if f, ok := stderr.(*os.File); ok {
		cfg.Terminal = isatty.IsTerminal(f.Fd())
	}
	c, err := shopclient.New(cfg)
	if err != nil {
		return err
	}
	st, err := c.Run(ctx)
	fmt.Fprintf(stdout, "claims %d, orders acked %d, files downloaded %d, already verified %d, %d bytes\n",
		st.Claims, st.Orders, st.Downloaded, st.Verified, st.Bytes)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, shopclient.ErrUnauthorized):
		return fmt.Errorf("%v; check --key", err)
	case errors.Is(err, shopclient.ErrUnreachable):
		return fmt.Errorf("%v; check --server and that the server is running", err)
	case errors.Is(err, shopclient.ErrDiskFull):
		return fmt.Errorf("%v; free space in %s and run pull again: it resumes", err, cfg.Dir)
	}
	return err
}

func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}
