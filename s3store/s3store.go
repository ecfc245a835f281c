// Package s3store keeps uploads and rendered files in an S3-compatible
// bucket (AWS S3, MinIO, or the embedded server) through aws-sdk-go-v2.
package s3store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"oshigoods"
	"oshigoods/orders"
)

// Config says which bucket to use and how to reach it.
type Config struct {
	// Endpoint is the server's base URL, http:// or https://, e.g.
	// http://127.0.0.1:9000 for MinIO. Empty means AWS S3 itself.
	Endpoint string
	// Bucket is created on New when it does not exist. Required: 1 to 63
	// lower-case letters, digits, dots and hyphens, beginning and ending
	// with a letter or digit (AWS itself wants at least 3).
	Bucket string
	// Region is lower-case letters, digits and hyphens, e.g. ap-northeast-1.
	// Empty means us-east-1.
	Region string
	// AccessKey and SecretKey are static credentials. When both are empty
	// the SDK's default chain (environment, shared config, instance role)
	// is used.
	AccessKey string
	SecretKey string
	// PathStyle addresses buckets as /bucket/key rather than as a host
	// name, as MinIO and the embedded server need. New turns it on whenever
	// Endpoint is set.
	PathStyle bool
}

var (
	bucketPattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?$`)
	regionPattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$`)
)

// Validate reports a configuration that cannot work: every problem is an
// *oshigoods.ConfigError, joined.
func (c Config) Validate() error {
	var errs []error
	bad := func(field string, value any, problem string) {
		errs = append(errs, &oshigoods.ConfigError{Field: field, Value: value, Problem: problem})
	}
	if c.Endpoint != "" {
		u, err := url.Parse(c.Endpoint)
		switch {
		case err != nil || u.Host == "":
			bad("Endpoint", c.Endpoint, "is not a URL; give http:// or https:// and a host, e.g. http://minio:9000")
		case u.Scheme != "http" && u.Scheme != "https":
			bad("Endpoint", c.Endpoint, "has scheme "+u.Scheme+"://; give http:// or https://, e.g. http://minio:9000")
		}
	}
	switch {
	case c.Bucket == "":
		bad("Bucket", c.Bucket, "is empty; a bucket is required")
	case !bucketPattern.MatchString(c.Bucket) || strings.Contains(c.Bucket, "..") || net.ParseIP(c.Bucket) != nil:
		bad("Bucket", c.Bucket, "is not a bucket name; give 1–63 lower-case letters, digits, dots and hyphens, beginning and ending with a letter or digit, not an IP address")
	}
	if c.Region != "" && !regionPattern.MatchString(c.Region) {
		bad("Region", c.Region, "is not a region; give lower-case letters, digits and hyphens, e.g. us-east-1")
	}
	if (c.AccessKey == "") != (c.SecretKey == "") {
		field, other := "AccessKey", "the secret key"
		if c.AccessKey == "" {
			field, other = "SecretKey", "the access key"
		}
		bad(field, nil, "is set without "+other+"; set both, or neither for the SDK's default chain")
	}
	return errors.Join(errs...)
}

// Store is an orders.FileStore on one bucket.
type Store struct {
	client  *s3.Client
	presign *s3.PresignClient
	bucket  string
}

var _ orders.FileStore = (*Store)(nil)

// MaxIdleConns is how many idle connections to the server a Store keeps
// for reuse: as many as the SDK's default pool holds in all (100), rather
// than its 10 per host, since a Store talks to one host. A worker running
// more renders at once than the pool keeps (each stores two or more
// files) would otherwise close connections after use and open new ones.
const MaxIdleConns = 100

// newHTTPClient returns the SDK's default HTTP client (timeouts, proxy
// from the environment, TLS 1.2 or later) with MaxIdleConns kept per host.
func newHTTPClient() *awshttp.BuildableClient {
	return awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		tr.MaxIdleConns = MaxIdleConns
		tr.MaxIdleConnsPerHost = MaxIdleConns
	})
}

// New connects to the bucket, creating it if it does not exist.
func New(ctx context.Context, cfg Config) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	opts := []func(*config.LoadOptions) error{config.WithRegion(cfg.Region), config.WithHTTPClient(newHTTPClient())}
	if cfg.AccessKey != "" {
		opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(cfg.AccessKey, cfg.SecretKey, "")))
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("load aws config: %w", err)
	}
	client := s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
			o.UsePathStyle = true
		}
		if cfg.PathStyle {
			o.UsePathStyle = true
		}
		// Checksums only where the API requires them: S3-compatible servers
		// differ in their support for the SDK's default trailing checksums.
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	})
	s := &Store{client: client, presign: s3.NewPresignClient(client), bucket: cfg.Bucket}
	if err := s.ensureBucket(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Store) ensureBucket(ctx context.Context) error {
	_, err := s.client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &s.bucket})
	if err == nil {
		return nil
	}
	_, err = s.client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &s.bucket})
	var owned *types.BucketAlreadyOwnedByYou
	var exists *types.BucketAlreadyExists
	if err != nil && !errors.As(err, &owned) && !errors.As(err, &exists) {
		return fmt.Errorf("create bucket %s: %w", s.bucket, err)
	}
	return nil
}

// Put stores data under key. EUNAVAILABLE if the server cannot be reached.
func (s *Store) Put(ctx context.Context, key string, data []byte, contentType string) error {
	_, err := s.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        &s.bucket,
		Key:           &key,
		Body:          bytes.NewReader(data),
		ContentLength: aws.Int64(int64(len(data))),
		ContentType:   aws.String(contentType),
	})
	if err != nil {
		return fmt.Errorf("put %s: %w", key, classify(err))
	}
	return nil
}

// Get returns the object's bytes, or ENOTFOUND; EUNAVAILABLE if the server
// cannot be reached.
func (s *Store) Get(ctx context.Context, key string) ([]byte, error) {
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.bucket, Key: &key})
	if err != nil {
		var nsk *types.NoSuchKey
		var api smithy.APIError
		if errors.As(err, &nsk) || errors.As(err, &api) && api.ErrorCode() == "NotFound" {
			return nil, oshigoods.Errorf(oshigoods.ENOTFOUND, "file not found.")
		}
		return nil, fmt.Errorf("get %s: %w", key, classify(err))
	}
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, classify(err))
	}
	return data, nil
}

// Exists reports whether there is an object under key, with a HEAD
// request; EUNAVAILABLE if the server cannot be reached.
func (s *Store) Exists(ctx context.Context, key string) (bool, error) {
	_, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.bucket, Key: &key})
	if err != nil {
		var nf *types.NotFound
		var nsk *types.NoSuchKey
		var api smithy.APIError
		if errors.As(err, &nf) || errors.As(err, &nsk) || errors.As(err, &api) && (api.ErrorCode() == "NotFound" || api.ErrorCode() == "NoSuchKey") {
			return false, nil
		}
		return false, fmt.Errorf("head %s: %w", key, classify(err))
	}
	return true, nil
}

// Delete removes the object under key. A key that does not exist is not an
// error (S3 itself answers 204 to it; a server that says NoSuchKey is
// taken at its word). EUNAVAILABLE if the server cannot be reached.
func (s *Store) Delete(ctx context.Context, key string) error {
	_, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.bucket, Key: &key})
	if err != nil {
		var nsk *types.NoSuchKey
		var api smithy.APIError
		if errors.As(err, &nsk) || errors.As(err, &api) && (api.ErrorCode() == "NotFound" || api.ErrorCode() == "NoSuchKey") {
			return nil
		}
		return fmt.Errorf("delete %s: %w", key, classify(err))
	}
	return nil
}

// PresignGet returns a URL that downloads the object as filename until ttl
// passes.
func (s *Store) PresignGet(ctx context.Context, key, filename string, ttl time.Duration) (string, error) {
	disposition := mime.FormatMediaType("attachment", map[string]string{"filename": filename})
	req, err := s.presign.PresignGetObject(ctx, &s3.GetObjectInput{
		Bucket:                     &s.bucket,
		Key:                        &key,
		ResponseContentDisposition: aws.String(disposition),
	}, s3.WithPresignExpires(ttl))
	if err != nil {
		return "", fmt.Errorf("presign %s: %w", key, err)
	}
	return req.URL, nil
}

// Ping checks that the bucket is reachable.
func (s *Store) Ping(ctx context.Context) error {
	if _, err := s.client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &s.bucket}); err != nil {
		return fmt.Errorf("head bucket %s: %w", s.bucket, err)
	}
	return nil
}

// Bucket returns the bucket name.
func (s *Store) Bucket() string { return s.bucket }

// classify returns err as EUNAVAILABLE, keeping it as the internal cause,
// when it says the server could not be reached; any other error unchanged.
func classify(err error) error {
	if unreachable(err) {
		return oshigoods.Unavailable(err)
	}
	return err
}

// unreachable reports whether err is a failure to reach the S3 server
// rather than a refusal by it: a dial or network error (connection refused,
// reset, timed out) after the SDK's retries, a deadline that ran out
// waiting, or the server saying it is overloaded or down (502, 503 SlowDown,
// 504).
func unreachable(err error) bool {
	var ne net.Error
	var re *smithyhttp.ResponseError
	switch {
	case errors.As(err, &ne), errors.Is(err, context.DeadlineExceeded):
		return true
	case errors.As(err, &re):
		st := re.HTTPStatusCode()
		return st == http.StatusBadGateway || st == http.StatusServiceUnavailable || st == http.StatusGatewayTimeout
	}
	return false
}
