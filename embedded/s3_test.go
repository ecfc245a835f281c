package embedded_test

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"oshigoods/embedded"
)

const (
	bucket   = "oshigoods"
	key      = "orders/1/card.pdf"
	otherKey = "orders/2/card.pdf"
)

var (
	content      = []byte("%PDF-1.6 order one")
	otherContent = []byte("%PDF-1.6 order two")
)

// s3env is an embedded S3 holding key and otherKey in bucket.
type s3env struct {
	srv    *embedded.S3
	client *s3.Client
	creds  aws.Credentials
}

// startS3 starts the server on dir with the clock now (nil: time.Now) and
// returns a client signing with its credentials.
func startS3(t *testing.T, dir string, now func() time.Time) *s3env {
	t.Helper()
	srv, err := embedded.StartS3(embedded.S3Config{Dir: dir, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return &s3env{srv: srv, client: newClient(srv, srv.AccessKey(), srv.SecretKey()), creds: aws.Credentials{AccessKeyID: srv.AccessKey(), SecretAccessKey: srv.SecretKey()}}
}

// newClient is an aws-sdk-go-v2 client as an application would configure
// one, with the SDK's default checksum behaviour.
func newClient(srv *embedded.S3, accessKey, secretKey string) *s3.Client {
	return s3.New(s3.Options{
		Region:       srv.Region(),
		BaseEndpoint: aws.String(srv.Endpoint()),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(accessKey, secretKey, ""),
	})
}

// seeded starts a server holding key and otherKey.
func seeded(t *testing.T, now func() time.Time) *s3env {
	t.Helper()
	e := startS3(t, t.TempDir(), now)
	ctx := context.Background()
	if _, err := e.client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	for k, data := range map[string][]byte{key: content, otherKey: otherContent} {
		if _, err := e.client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(k), Body: bytes.NewReader(data)}); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// clock is time.Now moved by skew.
type clock struct{ skew atomic.Int64 }

func (c *clock) now() time.Time { return time.Now().Add(time.Duration(c.skew.Load())) }

func (e *s3env) get(t *testing.T, k string) ([]byte, bool) {
	t.Helper()
	out, err := e.client.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(k)})
	var nsk *types.NoSuchKey
	if errors.As(err, &nsk) {
		return nil, false
	}
	if err != nil {
		t.Fatalf("get %s: %v", k, err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return data, true
}

func (e *s3env) presign(t *testing.T, k string, ttl time.Duration) string {
	t.Helper()
	req, err := s3.NewPresignClient(e.client).PresignGetObject(context.Background(),
		&s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(k), ResponseContentDisposition: aws.String(`attachment; filename="card.pdf"`)},
		s3.WithPresignExpires(ttl))
	if err != nil {
		t.Fatal(err)
	}
	return req.URL
}

func download(t *testing.T, rawURL string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

func TestS3SignedClientWorks(t *testing.T) {
	e := seeded(t, nil)
	ctx := context.Background()
	big := bytes.Repeat([]byte("0123456789abcdef"), 5<<20/16) // checked through the spool file
	tests := []struct {
		scenario string
		run      func(t *testing.T)
	}{
		{"put", func(t *testing.T) {
			if _, err := e.client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("new.txt"), Body: strings.NewReader("hello"), ContentType: aws.String("text/plain")}); err != nil {
				t.Fatal(err)
			}
			if got, _ := e.get(t, "new.txt"); string(got) != "hello" {
				t.Errorf("got %q", got)
			}
		}},
		{"put larger than the in-memory check", func(t *testing.T) {
			if _, err := e.client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("big.bin"), Body: bytes.NewReader(big), ContentLength: aws.Int64(int64(len(big)))}); err != nil {
				t.Fatal(err)
			}
			if got, _ := e.get(t, "big.bin"); !bytes.Equal(got, big) {
				t.Errorf("got %d bytes, want %d", len(got), len(big))
			}
		}},
		{"put with checksums only where required (as s3store)", func(t *testing.T) {
			c := s3.New(s3.Options{
				Region: e.srv.Region(), BaseEndpoint: aws.String(e.srv.Endpoint()), UsePathStyle: true,
				Credentials:                credentials.NewStaticCredentialsProvider(e.srv.AccessKey(), e.srv.SecretKey(), ""),
				RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
				ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
			})
			if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("store.bin"), Body: bytes.NewReader(content), ContentLength: aws.Int64(int64(len(content)))}); err != nil {
				t.Fatal(err)
			}
			if got, _ := e.get(t, "store.bin"); !bytes.Equal(got, content) {
				t.Errorf("got %q", got)
			}
		}},
		{"put with UNSIGNED-PAYLOAD", func(t *testing.T) {
			resp, err := http.DefaultClient.Do(signedAs(t, e, e.creds, http.MethodPut, "unsigned.txt", []byte("body"), "UNSIGNED-PAYLOAD", time.Now()))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if got, _ := e.get(t, "unsigned.txt"); resp.StatusCode != http.StatusOK || string(got) != "body" {
				t.Errorf("status %d, stored %q", resp.StatusCode, got)
			}
		}},
		{"get", func(t *testing.T) {
			if got, ok := e.get(t, key); !ok || !bytes.Equal(got, content) {
				t.Errorf("got %q, %v", got, ok)
			}
		}},
		{"head", func(t *testing.T) {
			out, err := e.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
			if err != nil {
				t.Fatal(err)
			}
			if aws.ToInt64(out.ContentLength) != int64(len(content)) {
				t.Errorf("content length %d", aws.ToInt64(out.ContentLength))
			}
		}},
		{"list", func(t *testing.T) {
			out, err := e.client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String("orders/")})
			if err != nil {
				t.Fatal(err)
			}
			var keys []string
			for _, o := range out.Contents {
				keys = append(keys, aws.ToString(o.Key))
			}
			if strings.Join(keys, ",") != key+","+otherKey {
				t.Errorf("keys %v", keys)
			}
		}},
		{"presigned get", func(t *testing.T) {
			status, body := download(t, e.presign(t, key, time.Hour))
			if status != http.StatusOK || !bytes.Equal(body, content) {
				t.Errorf("status %d body %q", status, body)
			}
		}},
		{"key and filename with spaces and non-ASCII characters", func(t *testing.T) {
			k := "orders/1/山田 花子+card (1)~.pdf"
			if _, err := e.client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(k), Body: bytes.NewReader(content)}); err != nil {
				t.Fatal(err)
			}
			req, err := s3.NewPresignClient(e.client).PresignGetObject(ctx, &s3.GetObjectInput{
				Bucket: aws.String(bucket), Key: aws.String(k),
				ResponseContentDisposition: aws.String(mime.FormatMediaType("attachment", map[string]string{"filename": "はなこ card.pdf"})),
			}, s3.WithPresignExpires(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			status, body := download(t, req.URL)
			if status != http.StatusOK || !bytes.Equal(body, content) {
				t.Errorf("status %d body %q", status, body)
			}
		}},
		{"delete", func(t *testing.T) {
			if _, err := e.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(otherKey)}); err != nil {
				t.Fatal(err)
			}
			if _, ok := e.get(t, otherKey); ok {
				t.Error("still there")
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, tc.run)
	}
}

// signed returns a request signed in the Authorization header at signedAt
// with creds by aws-sdk-go-v2's signer, as the SDK signs.
func signed(t *testing.T, e *s3env, creds aws.Credentials, method, k string, body []byte, signedAt time.Time) *http.Request {
	t.Helper()
	sum := sha256.Sum256(body)
	return signedAs(t, e, creds, method, k, body, hex.EncodeToString(sum[:]), signedAt)
}

// signedAs is signed with the payload hash given.
func signedAs(t *testing.T, e *s3env, creds aws.Credentials, method, k string, body []byte, hash string, signedAt time.Time) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, e.srv.Endpoint()+"/"+bucket+"/"+k, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Amz-Content-Sha256", hash)
	if err := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }).
		SignHTTP(context.Background(), creds, req, hash, "s3", e.srv.Region(), signedAt); err != nil {
		t.Fatal(err)
	}
	return req
}

// presigned returns a presigned GET URL for k made at signedAt.
func presigned(t *testing.T, e *s3env, creds aws.Credentials, k string, ttl time.Duration, signedAt time.Time) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.srv.Endpoint()+"/"+bucket+"/"+k, nil)
	if err != nil {
		t.Fatal(err)
	}
	q := req.URL.Query()
	q.Set("X-Amz-Expires", strconv.FormatInt(int64(ttl/time.Second), 10))
	req.URL.RawQuery = q.Encode()
	u, _, err := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }).
		PresignHTTP(context.Background(), creds, req, "UNSIGNED-PAYLOAD", "s3", e.srv.Region(), signedAt)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func get(t *testing.T, rawURL string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// editQuery returns rawURL with edit applied to its query.
func editQuery(t *testing.T, rawURL string, edit func(url.Values)) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	edit(q)
	u.RawQuery = q.Encode()
	return u.String()
}

// alter changes one character of a hex signature.
func alter(sig string) string {
	c := byte('0')
	if sig[0] == '0' {
		c = '1'
	}
	return string(c) + sig[1:]
}

func TestS3RefusesUnsignedAndTampered(t *testing.T) {
	wrong := aws.Credentials{AccessKeyID: "", SecretAccessKey: "not-the-secret"}
	now := time.Now()
	tests := []struct {
		scenario string
		// skew moves the server's clock while the request is made.
		skew    time.Duration
		request func(t *testing.T, e *s3env) *http.Request
		code    string
		// status is the answer's status; zero means 403.
		status int
	}{
		{"anonymous list", 0, func(t *testing.T, e *s3env) *http.Request {
			return get(t, e.srv.Endpoint()+"/"+bucket+"?list-type=2")
		}, "AccessDenied", 0},
		{"anonymous list buckets", 0, func(t *testing.T, e *s3env) *http.Request {
			return get(t, e.srv.Endpoint()+"/")
		}, "AccessDenied", 0},
		{"anonymous get", 0, func(t *testing.T, e *s3env) *http.Request {
			return get(t, e.srv.Endpoint()+"/"+bucket+"/"+key)
		}, "AccessDenied", 0},
		{"anonymous put", 0, func(t *testing.T, e *s3env) *http.Request {
			req, _ := http.NewRequest(http.MethodPut, e.srv.Endpoint()+"/"+bucket+"/"+key, strings.NewReader("overwritten"))
			return req
		}, "AccessDenied", 0},
		{"anonymous delete", 0, func(t *testing.T, e *s3env) *http.Request {
			req, _ := http.NewRequest(http.MethodDelete, e.srv.Endpoint()+"/"+bucket+"/"+key, nil)
			return req
		}, "AccessDenied", 0},
		{"put with the signature removed", 0, func(t *testing.T, e *s3env) *http.Request {
			req := signed(t, e, e.creds, http.MethodPut, key, []byte("overwritten"), time.Now())
			auth := req.Header.Get("Authorization")
			req.Header.Set("Authorization", auth[:strings.Index(auth, ", Signature=")])
			return req
		}, "AuthorizationHeaderMalformed", 0},
		{"put with one character of the signature altered", 0, func(t *testing.T, e *s3env) *http.Request {
			req := signed(t, e, e.creds, http.MethodPut, key, []byte("overwritten"), time.Now())
			auth := req.Header.Get("Authorization")
			i := strings.Index(auth, "Signature=") + len("Signature=")
			req.Header.Set("Authorization", auth[:i]+alter(auth[i:]))
			return req
		}, "SignatureDoesNotMatch", 0},
		{"delete signed with the wrong secret", 0, func(t *testing.T, e *s3env) *http.Request {
			creds := wrong
			creds.AccessKeyID = e.creds.AccessKeyID
			return signed(t, e, creds, http.MethodDelete, key, nil, time.Now())
		}, "SignatureDoesNotMatch", 0},
		{"delete signed with another access key", 0, func(t *testing.T, e *s3env) *http.Request {
			creds := e.creds
			creds.AccessKeyID = "AKIAIOSFODNN7EXAMPLE"
			return signed(t, e, creds, http.MethodDelete, key, nil, time.Now())
		}, "InvalidAccessKeyId", 0},
		{"put whose body was changed after signing", 0, func(t *testing.T, e *s3env) *http.Request {
			req := signed(t, e, e.creds, http.MethodPut, key, []byte("signed body"), time.Now())
			req.Body = io.NopCloser(strings.NewReader("other body!"))
			return req
		}, "XAmzContentSHA256Mismatch", 0},
		{"replayed delete with a stale X-Amz-Date", 0, func(t *testing.T, e *s3env) *http.Request {
			return signed(t, e, e.creds, http.MethodDelete, key, nil, time.Now().Add(-16*time.Minute))
		}, "RequestTimeTooSkewed", 0},
		{"replayed delete with its X-Amz-Date refreshed", 0, func(t *testing.T, e *s3env) *http.Request {
			// Signed 16 minutes away from now on the same UTC day (the
			// credential's scope names the day), then dated now.
			now := time.Now().UTC()
			at := now.Add(-16 * time.Minute)
			if at.YearDay() != now.YearDay() {
				at = now.Add(16 * time.Minute)
			}
			req := signed(t, e, e.creds, http.MethodDelete, key, nil, at)
			req.Header.Set("X-Amz-Date", now.Format("20060102T150405Z"))
			return req
		}, "SignatureDoesNotMatch", 0},
		{"replayed put with a stale X-Amz-Date", 20 * time.Minute, func(t *testing.T, e *s3env) *http.Request {
			return signed(t, e, e.creds, http.MethodPut, key, []byte("overwritten"), time.Now())
		}, "RequestTimeTooSkewed", 0},
		{"put with a streaming payload, whose chunk signatures are not checked", 0, func(t *testing.T, e *s3env) *http.Request {
			return signedAs(t, e, e.creds, http.MethodPut, key, []byte("overwritten"), "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", time.Now())
		}, "NotImplemented", http.StatusNotImplemented},
		{"presigned get with the signature removed", 0, func(t *testing.T, e *s3env) *http.Request {
			return get(t, editQuery(t, e.presign(t, key, time.Hour), func(q url.Values) { q.Del("X-Amz-Signature") }))
		}, "AuthorizationQueryParametersError", 0},
		{"presigned get with one character of the signature altered", 0, func(t *testing.T, e *s3env) *http.Request {
			return get(t, editQuery(t, e.presign(t, key, time.Hour), func(q url.Values) { q.Set("X-Amz-Signature", alter(q.Get("X-Amz-Signature"))) }))
		}, "SignatureDoesNotMatch", 0},
		{"presigned get with a longer expiry than signed", 0, func(t *testing.T, e *s3env) *http.Request {
			return get(t, editQuery(t, e.presign(t, key, time.Minute), func(q url.Values) { q.Set("X-Amz-Expires", "86400") }))
		}, "SignatureDoesNotMatch", 0},
		{"presigned get signed with the wrong secret", 0, func(t *testing.T, e *s3env) *http.Request {
			creds := wrong
			creds.AccessKeyID = e.creds.AccessKeyID
			return get(t, presigned(t, e, creds, key, time.Hour, time.Now()))
		}, "SignatureDoesNotMatch", 0},
		{"presigned get past its expiry", 0, func(t *testing.T, e *s3env) *http.Request {
			return get(t, presigned(t, e, e.creds, key, time.Minute, now.Add(-2*time.Minute)))
		}, "AccessDenied", 0},
		{"presigned get past its expiry by the server's clock", 2 * time.Hour, func(t *testing.T, e *s3env) *http.Request {
			return get(t, e.presign(t, key, time.Hour))
		}, "AccessDenied", 0},
		{"presigned get for longer than 7 days", 0, func(t *testing.T, e *s3env) *http.Request {
			return get(t, presigned(t, e, e.creds, key, 8*24*time.Hour, time.Now()))
		}, "AuthorizationQueryParametersError", 0},
		{"presigned get with the path changed to another order's file", 0, func(t *testing.T, e *s3env) *http.Request {
			return get(t, strings.Replace(e.presign(t, key, time.Hour), key, otherKey, 1))
		}, "SignatureDoesNotMatch", 0},
		{"presigned get used to put", 0, func(t *testing.T, e *s3env) *http.Request {
			req, _ := http.NewRequest(http.MethodPut, e.presign(t, key, time.Hour), strings.NewReader("overwritten"))
			return req
		}, "SignatureDoesNotMatch", 0},
		{"presigned get used to delete", 0, func(t *testing.T, e *s3env) *http.Request {
			req, _ := http.NewRequest(http.MethodDelete, e.presign(t, key, time.Hour), nil)
			return req
		}, "SignatureDoesNotMatch", 0},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			var clock clock
			e := seeded(t, clock.now)
			clock.skew.Store(int64(tc.skew))
			resp, err := http.DefaultClient.Do(tc.request(t, e))
			clock.skew.Store(0)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			want := cmp.Or(tc.status, http.StatusForbidden)
			if resp.StatusCode != want {
				t.Errorf("status %d, want %d; body %s", resp.StatusCode, want, body)
			}
			var doc struct {
				Code    string `xml:"Code"`
				Message string `xml:"Message"`
			}
			if err := xml.Unmarshal(body, &doc); err != nil || doc.Code != tc.code {
				t.Errorf("error code %q (%v), want %q; body %s", doc.Code, err, tc.code, body)
			}
			if bytes.Contains(body, content) || bytes.Contains(body, []byte("StringToSign")) || bytes.Contains(body, []byte("CanonicalRequest")) {
				t.Errorf("refusal reveals more than its reason: %s", body)
			}
			// Nothing was written or deleted.
			if got, ok := e.get(t, key); !ok || !bytes.Equal(got, content) {
				t.Errorf("%s is now %q (present %v)", key, got, ok)
			}
			if got, ok := e.get(t, otherKey); !ok || !bytes.Equal(got, otherContent) {
				t.Errorf("%s is now %q (present %v)", otherKey, got, ok)
			}
		})
	}
}

func TestS3PresignedURLSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	e := startS3(t, dir, nil)
	ctx := context.Background()
	if _, err := e.client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(content)}); err != nil {
		t.Fatal(err)
	}
	u := e.presign(t, key, time.Hour)
	endpoint, accessKey := e.srv.Endpoint(), e.srv.AccessKey()
	e.srv.Close()

	again := startS3(t, dir, nil)
	if again.srv.Endpoint() != endpoint || again.srv.AccessKey() != accessKey {
		t.Errorf("restarted at %s with key %s, was %s with %s", again.srv.Endpoint(), again.srv.AccessKey(), endpoint, accessKey)
	}
	status, body := download(t, u)
	if status != http.StatusOK || !bytes.Equal(body, content) {
		t.Errorf("after restart: status %d body %q", status, body)
	}
	if fi, err := os.Stat(filepath.Join(dir, "server.json")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("credentials file: %v, %v", fi, err)
	}
}

func TestS3ClientWithWrongSecretIsRefused(t *testing.T) {
	e := seeded(t, nil)
	c := newClient(e.srv, e.srv.AccessKey(), "not-the-secret")
	_, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader("overwritten")})
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "SignatureDoesNotMatch" {
		t.Fatalf("put with the wrong secret: %v", err)
	}
	if got, _ := e.get(t, key); !bytes.Equal(got, content) {
		t.Errorf("%s is now %q", key, got)
	}
}

func TestS3KeptAddressTakenUsesAnotherForThisStartOnly(t *testing.T) {
	dir := t.TempDir()
	first := startS3(t, dir, nil)
	second := startS3(t, dir, nil) // the same folder while the first runs
	if second.srv.Endpoint() == first.srv.Endpoint() {
		t.Fatalf("both at %s", first.srv.Endpoint())
	}
	if _, err := second.client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("second server with the kept credentials: %v", err)
	}
	endpoint := first.srv.Endpoint()
	first.srv.Close()
	second.srv.Close()
	if third := startS3(t, dir, nil); third.srv.Endpoint() != endpoint {
		t.Errorf("third start at %s, want the kept %s", third.srv.Endpoint(), endpoint)
	}
}
