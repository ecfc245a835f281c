// Command e2eload is bench/e2e.sh's load and its stopwatch: it places
// letter-card orders on a running API at a bounded concurrency and waits
// until the database has every item ready, then prints what it measured
// as key=value lines for the script. It also empties and removes the
// bench's bucket afterwards.
//
//	e2eload run  -url http://127.0.0.1:PORT -db URL -n 1000 -c 32
//	e2eload drop-bucket -endpoint http://127.0.0.1:9123 -bucket NAME
//
// Times to ready come from the items' own rows: created_at when the API
// took the order (or, with -phase ready, the start of the wait, when it is
// later), updated_at when the worker recorded the item ready (an item's
// row is not touched after that in the bench). Only loopback addresses
// are expected.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/jackc/pgx/v5"
)

// orderBody is bench/intake.lua's order: one letter card with an address,
// the terms accepted, no Idempotency-Key, so every request is a new order.
const orderBody = `{"customer":{"name":"山田 花子","email":"hanako@example.com"},
"items":[{"template":"card-letter-tate","quantity":1,"fields":{"to":"さくら"}}],
"shipping_address":{"postal_code":"100-0001","prefecture":"東京都","city":"千代田区","line1":"千代田1-1","name":"山田 花子","phone":"090-1234-5678"},
"terms_accepted":true}`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: e2eload run|drop-bucket [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "run":
		err = cmdRun(os.Args[2:])
	case "drop-bucket":
		err = cmdDropBucket(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2eload:", err)
		os.Exit(1)
	}
}

func cmdRun(args []string) error {
	fs := flag.NewFlagSet("run", flag.ExitOnError)
	base := fs.String("url", "", "the API's base URL")
	dbURL := fs.String("db", "", "PostgreSQL URL with the bench's search_path")
	n := fs.Int("n", 1000, "orders to place, one card each")
	c := fs.Int("c", 32, "orders in flight at most")
	timeout := fs.Duration("timeout", 5*time.Minute, "how long to wait for every item to be ready")
	phase := fs.String("phase", "all", "all: place the orders and wait for their items; place: only place them; "+
		"ready: only wait for the items already placed, timed from now")
	fs.Parse(args)
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	db, err := pgx.Connect(ctx, *dbURL)
	if err != nil {
		return fmt.Errorf("connect to the database: %w", err)
	}
	defer db.Close(context.Background())

	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: *c, MaxConnsPerHost: *c}}
	var next, bad atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	codes := map[string]int{}
	start := time.Now()
	var wg sync.WaitGroup
	if *phase == "ready" {
		*c = 0
	}
	for range *c {
		wg.Go(func() {
			for next.Add(1) <= int64(*n) {
				t := time.Now()
				code, err := post(ctx, client, *base+"/v1/orders")
				d := time.Since(t)
				mu.Lock()
				lat = append(lat, d)
				if err != nil || code != http.StatusCreated {
					bad.Add(1)
					k := fmt.Sprint(code)
					if err != nil {
						k = err.Error()
					}
					codes[k]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	placed := time.Since(start)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	if *phase == "place" {
		fmt.Printf("orders=%d\norders_bad=%d\nplace_s=%.2f\nplace_p50_ms=%.1f\nplace_p99_ms=%.1f\n",
			*n, bad.Load(), placed.Seconds(), ms(pct(lat, 0.5)), ms(pct(lat, 0.99)))
		for k, v := range codes {
			fmt.Printf("orders_bad_detail=%s × %d\n", k, v)
		}
		return nil
	}

	// Wait until every item the orders made is settled.
	var total, ready, failed int
	for {
		err := db.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE status = 'ready'),
			count(*) FILTER (WHERE status = 'failed') FROM items`).Scan(&total, &ready, &failed)
		if err != nil {
			return fmt.Errorf("count items: %w (ready %d of %d so far)", err, ready, total)
		}
		if ready+failed >= total && total >= *n-int(bad.Load()) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	waited := time.Since(start)

	var last time.Time
	var p50, p99, max float64
	var files, attempts, extra int
	if err := db.QueryRow(ctx, `SELECT max(updated_at),
		percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM updated_at - greatest(created_at, $1))),
		percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM updated_at - greatest(created_at, $1))),
		max(extract(epoch FROM updated_at - greatest(created_at, $1))),
		sum(attempts)
		FROM items WHERE status = 'ready'`, start).Scan(&last, &p50, &p99, &max, &attempts); err != nil {
		return fmt.Errorf("time to ready: %w", err)
	}
	if err := db.QueryRow(ctx, `SELECT count(*) FROM files`).Scan(&files); err != nil {
		return fmt.Errorf("count files: %w", err)
	}
	// Items whose files are not exactly card.pdf and preview.png.
	if err := db.QueryRow(ctx, `SELECT count(*) FROM items i WHERE i.status = 'ready' AND
		(SELECT count(*) FROM files f WHERE f.item_id = i.id AND f.name IN ('card.pdf', 'preview.png')) <> 2`).Scan(&extra); err != nil {
		return fmt.Errorf("check files: %w", err)
	}
	span := last.Sub(start).Seconds()
	if *phase != "ready" {
		fmt.Printf("orders=%d\n", *n)
		fmt.Printf("orders_bad=%d\n", bad.Load())
		fmt.Printf("place_s=%.2f\n", placed.Seconds())
		fmt.Printf("place_p50_ms=%.1f\n", ms(pct(lat, 0.5)))
		fmt.Printf("place_p99_ms=%.1f\n", ms(pct(lat, 0.99)))
	}
	for k, v := range codes {
		fmt.Printf("orders_bad_detail=%s × %d\n", k, v)
	}
	fmt.Printf("items=%d\n", total)
	fmt.Printf("ready=%d\n", ready)
	fmt.Printf("failed=%d\n", failed)
	fmt.Printf("all_ready_s=%.2f\n", span)
	fmt.Printf("waited_s=%.2f\n", waited.Seconds())
	fmt.Printf("items_per_s=%.1f\n", float64(ready)/span)
	fmt.Printf("ready_p50_s=%.2f\n", p50)
	fmt.Printf("ready_p99_s=%.2f\n", p99)
	fmt.Printf("ready_max_s=%.2f\n", max)
	fmt.Printf("files=%d\n", files)
	fmt.Printf("items_without_two_files=%d\n", extra)
	fmt.Printf("render_attempts=%d\n", attempts)
	return nil
}

func post(ctx context.Context, client *http.Client, url string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader([]byte(orderBody)))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

func pct(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(p*float64(len(sorted))))]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// cmdDropBucket deletes every object of the bench's bucket, then the
// bucket. A bucket that is not there is not an error.
func cmdDropBucket(args []string) error {
	fs := flag.NewFlagSet("drop-bucket", flag.ExitOnError)
	endpoint := fs.String("endpoint", "", "the S3 server's base URL")
	bucket := fs.String("bucket", "", "the bucket")
	fs.Parse(args)
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), "")))
	if err != nil {
		return err
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(*endpoint)
		o.UsePathStyle = true
	})
	pages := s3.NewListObjectsV2Paginator(client, &s3.ListObjectsV2Input{Bucket: bucket})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			var nb *types.NoSuchBucket
			if errors.As(err, &nb) {
				return nil
			}
			return fmt.Errorf("list %s: %w", *bucket, err)
		}
		if len(page.Contents) == 0 {
			continue
		}
		ids := make([]types.ObjectIdentifier, len(page.Contents))
		for i, o := range page.Contents {
			ids[i] = types.ObjectIdentifier{Key: o.Key}
		}
		if _, err := client.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: bucket, Delete: &types.Delete{Objects: ids, Quiet: aws.Bool(true)}}); err != nil {
			return fmt.Errorf("delete objects of %s: %w", *bucket, err)
		}
	}
	if _, err := client.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: bucket}); err != nil {
		return fmt.Errorf("delete bucket %s: %w", *bucket, err)
	}
	return nil
}
