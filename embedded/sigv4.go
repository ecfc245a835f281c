package embedded

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// The limits S3 itself applies to signed requests.
const (
	// maxSkew is how far a header-signed request's X-Amz-Date may be from
	// the server's clock, either way.
	maxSkew = 15 * time.Minute
	// maxPresignExpiry is the longest X-Amz-Expires S3 accepts: 7 days.
	maxPresignExpiry = 7 * 24 * time.Hour
	// spoolInMemory is the largest signed body checked in memory; larger
	// ones are checked through a temporary file.
	spoolInMemory = 4 << 20
)

const (
	algorithm       = "AWS4-HMAC-SHA256"
	amzDateFormat   = "20060102T150405Z"
	unsignedPayload = "UNSIGNED-PAYLOAD"
)

// sigV4 checks the AWS Signature Version 4 of every request, either in the
// Authorization header or in presigned query parameters, as S3 does, and
// passes only valid requests to next. It recomputes the signature with
// aws-sdk-go-v2's own signer over the headers the request says it signed.
//
// Every refusal is a 403 with an S3 error document naming the reason's S3
// code (AccessDenied, SignatureDoesNotMatch, InvalidAccessKeyId,
// RequestTimeTooSkewed, AuthorizationHeaderMalformed,
// AuthorizationQueryParametersError, XAmzContentSHA256Mismatch) and nothing
// else: no canonical request, no string to sign. (S3 answers 400 to some
// malformed ones.) A signed body is checked against its signed SHA-256
// before any of it reaches the store. UNSIGNED-PAYLOAD is accepted, as S3
// accepts it; the streaming and trailer payloads (STREAMING-*) are not
// implemented (501), since their chunk signatures would go unchecked: the
// SDK sends neither over plain HTTP. CORS preflights, which carry no credentials, are passed
// on: they read and change nothing.
type sigV4 struct {
	creds  aws.Credentials
	region string
	// now is the server's clock.
	now func() time.Time
	// tmpDir holds bodies being checked against their signed hash.
	tmpDir string
	next   http.Handler
	logger *slog.Logger
	signer *v4.Signer
}

func newSigV4(accessKey, secretKey, region string, now func() time.Time, tmpDir string, logger *slog.Logger, next http.Handler) *sigV4 {
	return &sigV4{
		logger: logger,
		creds:  aws.Credentials{AccessKeyID: accessKey, SecretAccessKey: secretKey},
		region: region,
		now:    now,
		tmpDir: tmpDir,
		next:   next,
		// S3 signs the path as sent, without escaping it again, and
		// verification must not move signed headers into the query.
		signer: v4.NewSigner(func(o *v4.SignerOptions) {
			o.DisableURIPathEscaping = true
			o.DisableHeaderHoisting = true
		}),
	}
}

// s3Error is a refusal, written as S3's <Error> document.
type s3Error struct {
	XMLName xml.Name `xml:"Error"`
	Code    string   `xml:"Code"`
	Message string   `xml:"Message"`
	// Status is the HTTP status; zero means 403.
	Status int `xml:"-"`
}

func (e *s3Error) Error() string { return e.Code + ": " + e.Message }

func refuse(code, message string) *s3Error { return &s3Error{Code: code, Message: message} }

var (
	errAnonymous   = refuse("AccessDenied", "Access Denied")
	errSignature   = refuse("SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method.")
	errAccessKey   = refuse("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")
	errSkewed      = refuse("RequestTimeTooSkewed", "The difference between the request time and the current time is too large.")
	errExpired     = refuse("AccessDenied", "Request has expired")
	errNotYet      = refuse("AccessDenied", "Request is not valid yet")
	errTwoAuths    = refuse("InvalidArgument", "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified")
	errPayloadHash = refuse("XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.")
	errStreaming   = &s3Error{Code: "NotImplemented", Message: "Streaming and trailer payloads are not supported by the embedded server; sign the payload or send UNSIGNED-PAYLOAD.", Status: http.StatusNotImplemented}
)

func (v *sigV4) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodOptions && r.Header.Get("Origin") != "" && r.Header.Get("Access-Control-Request-Method") != "" {
		v.next.ServeHTTP(w, r)
		return
	}
	body, err := v.verify(r)
	if err != nil {
		var e *s3Error
		if !errors.As(err, &e) {
			v.logger.Error("embedded s3: check signature", "method", r.Method, "path", r.URL.Path, "err", err)
			e = &s3Error{Code: "InternalError", Message: "We encountered an internal error. Please try again.", Status: http.StatusInternalServerError}
		}
		status := e.Status
		if status == 0 {
			status = http.StatusForbidden
		}
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(status)
		if r.Method != http.MethodHead {
			io.WriteString(w, xml.Header)
			xml.NewEncoder(w).Encode(e)
		}
		return
	}
	if body != nil {
		defer body.Close()
		r.Body = body
	}
	v.next.ServeHTTP(w, r)
}

// verify checks r's signature. When the signature covers the payload's
// hash it also reads the body and checks it, returning the checked body to
// hand on in place of r.Body.
func (v *sigV4) verify(r *http.Request) (io.ReadCloser, error) {
	query := r.URL.Query()
	_, presigned := query["X-Amz-Algorithm"]
	header := r.Header.Get("Authorization")
	switch {
	case presigned && header != "":
		return nil, errTwoAuths
	case presigned:
		return nil, v.verifyPresigned(r, query)
	case header != "":
		return v.verifyHeader(r, header)
	default:
		return nil, errAnonymous
	}
}

// verifyHeader checks an Authorization: AWS4-HMAC-SHA256 header.
func (v *sigV4) verifyHeader(r *http.Request, header string) (io.ReadCloser, error) {
	malformed := func(msg string) error { return refuse("AuthorizationHeaderMalformed", msg) }
	rest, ok := strings.CutPrefix(header, algorithm+" ")
	if !ok {
		return nil, refuse("InvalidRequest", "The authorization mechanism you have provided is not supported. Please use "+algorithm+".")
	}
	fields := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		k, val, _ := strings.Cut(strings.TrimSpace(part), "=")
		fields[k] = val
	}
	credential, signedList, signature := fields["Credential"], fields["SignedHeaders"], fields["Signature"]
	if credential == "" || signedList == "" || signature == "" {
		return nil, malformed("The authorization header is malformed; it must name Credential, SignedHeaders and Signature.")
	}
	date := r.Header.Get("X-Amz-Date")
	signedAt, err := time.Parse(amzDateFormat, date)
	if err != nil {
		return nil, refuse("AccessDenied", "AWS authentication requires a valid X-Amz-Date header.")
	}
	if err := v.checkScope(credential, date, malformed); err != nil {
		return nil, err
	}
	signed := strings.Split(signedList, ";")
	for _, must := range []string{"host", "x-amz-content-sha256", "x-amz-date"} {
		if !slices.Contains(signed, must) {
			return nil, malformed("SignedHeaders must include " + must + ".")
		}
	}
	payload := r.Header.Get("X-Amz-Content-Sha256")
	if payload != unsignedPayload && !isSHA256Hex(payload) {
		if strings.HasPrefix(payload, "STREAMING-") {
			return nil, errStreaming
		}
		return nil, refuse("InvalidArgument", "x-amz-content-sha256 must be UNSIGNED-PAYLOAD or the SHA-256 of the payload.")
	}
	if d := v.now().Sub(signedAt); d > maxSkew || d < -maxSkew {
		return nil, errSkewed
	}

	req := v.copySigned(r, signed)
	req.URL.RawQuery = r.URL.RawQuery
	if err := v.signer.SignHTTP(r.Context(), v.creds, req, payload, "s3", v.region, signedAt); err != nil {
		return nil, fmt.Errorf("sign copy: %w", err)
	}
	_, want, _ := strings.Cut(req.Header.Get("Authorization"), "Signature=")
	if !hmac.Equal([]byte(want), []byte(signature)) {
		return nil, errSignature
	}
	if payload == unsignedPayload {
		return nil, nil
	}
	return v.checkPayload(r, payload)
}

// verifyPresigned checks X-Amz-* query parameters.
func (v *sigV4) verifyPresigned(r *http.Request, query url.Values) error {
	malformed := func(msg string) error { return refuse("AuthorizationQueryParametersError", msg) }
	if query.Get("X-Amz-Algorithm") != algorithm {
		return malformed("X-Amz-Algorithm only supports \"" + algorithm + "\".")
	}
	credential, date, signature := query.Get("X-Amz-Credential"), query.Get("X-Amz-Date"), query.Get("X-Amz-Signature")
	signedList, expiresText := query.Get("X-Amz-SignedHeaders"), query.Get("X-Amz-Expires")
	if credential == "" || date == "" || signature == "" || signedList == "" || expiresText == "" {
		return malformed("Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.")
	}
	signedAt, err := time.Parse(amzDateFormat, date)
	if err != nil {
		return malformed("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\".")
	}
	expires, err := strconv.ParseInt(expiresText, 10, 64)
	if err != nil || expires <= 0 {
		return malformed("X-Amz-Expires should be a number of seconds greater than 0.")
	}
	if expires > int64(maxPresignExpiry/time.Second) {
		return malformed("X-Amz-Expires must be less than a week (in seconds) that is 604800.")
	}
	if err := v.checkScope(credential, date, malformed); err != nil {
		return err
	}
	signed := strings.Split(signedList, ";")
	if !slices.Contains(signed, "host") {
		return malformed("X-Amz-SignedHeaders must include host.")
	}
	now := v.now()
	if signedAt.Sub(now) > maxSkew {
		return errNotYet
	}
	if now.After(signedAt.Add(time.Duration(expires) * time.Second)) {
		return errExpired
	}

	payload := unsignedPayload
	if p := query.Get("X-Amz-Content-Sha256"); p != "" {
		payload = p
	}
	req := v.copySigned(r, signed)
	q := make(url.Values, len(query))
	for k, vals := range query {
		if k != "X-Amz-Signature" {
			q[k] = vals
		}
	}
	req.URL.RawQuery = q.Encode()
	signedURL, _, err := v.signer.PresignHTTP(r.Context(), v.creds, req, payload, "s3", v.region, signedAt)
	if err != nil {
		return fmt.Errorf("presign copy: %w", err)
	}
	u, err := url.Parse(signedURL)
	if err != nil {
		return fmt.Errorf("parse presigned copy: %w", err)
	}
	if !hmac.Equal([]byte(u.Query().Get("X-Amz-Signature")), []byte(signature)) {
		return errSignature
	}
	return nil
}

// checkScope checks the credential "AKID/yyyymmdd/region/s3/aws4_request"
// against the server's access key, region and the request's date.
func (v *sigV4) checkScope(credential, date string, malformed func(string) error) error {
	parts := strings.Split(credential, "/")
	if len(parts) != 5 {
		return malformed("The credential is malformed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".")
	}
	if parts[0] != v.creds.AccessKeyID {
		return errAccessKey
	}
	switch {
	case parts[1] != date[:min(8, len(date))]:
		return malformed("The credential's date does not match X-Amz-Date.")
	case parts[2] != v.region:
		return malformed("The region '" + parts[2] + "' is wrong; expecting '" + v.region + "'.")
	case parts[3] != "s3":
		return malformed("The credential's service must be s3.")
	case parts[4] != "aws4_request":
		return malformed("The credential must end in aws4_request.")
	}
	return nil
}

// copySigned returns a request with r's method, path and host and only the
// headers r says it signed, for the signer to sign again: headers added on
// the way (by a transport or proxy) are not part of the signature.
func (v *sigV4) copySigned(r *http.Request, signed []string) *http.Request {
	u := *r.URL
	u.Scheme, u.Host = "http", r.Host
	req := &http.Request{Method: r.Method, URL: &u, Host: r.Host, Header: http.Header{}}
	req = req.WithContext(context.WithoutCancel(r.Context()))
	for _, name := range signed {
		switch name {
		case "host":
		case "content-length":
			req.ContentLength = r.ContentLength
		default:
			key := http.CanonicalHeaderKey(name)
			if vals, ok := r.Header[key]; ok {
				req.Header[key] = vals
			}
		}
	}
	return req
}

// checkPayload reads r's body, checks it against the signed SHA-256 hex
// digest want, and returns it to be read again. Nothing reaches the store
// unless the whole body matches.
func (v *sigV4) checkPayload(r *http.Request, want string) (io.ReadCloser, error) {
	h := sha256.New()
	if r.ContentLength >= 0 && r.ContentLength <= spoolInMemory {
		data, err := io.ReadAll(io.TeeReader(io.LimitReader(r.Body, spoolInMemory+1), h))
		if err != nil {
			return nil, fmt.Errorf("read body: %w", err)
		}
		if len(data) > spoolInMemory {
			return nil, errPayloadHash // longer than its Content-Length said
		}
		if !sumIs(h, want) {
			return nil, errPayloadHash
		}
		return io.NopCloser(bytes.NewReader(data)), nil
	}
	f, err := os.CreateTemp(v.tmpDir, "put-*")
	if err != nil {
		return nil, fmt.Errorf("spool body: %w", err)
	}
	tmp := &tempBody{f}
	if _, err := io.Copy(io.MultiWriter(f, h), r.Body); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("spool body: %w", err)
	}
	if !sumIs(h, want) {
		tmp.Close()
		return nil, errPayloadHash
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("rewind body: %w", err)
	}
	return tmp, nil
}

// tempBody is a spooled body, removed when closed.
type tempBody struct{ *os.File }

func (t *tempBody) Close() error {
	err := t.File.Close()
	os.Remove(t.File.Name())
	return err
}

func sumIs(h hash.Hash, want string) bool {
	return hmac.Equal([]byte(hex.EncodeToString(h.Sum(nil))), []byte(want))
}

func isSHA256Hex(s string) bool {
	if len(s) != sha256.Size*2 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil && strings.ToLower(s) == s
}
