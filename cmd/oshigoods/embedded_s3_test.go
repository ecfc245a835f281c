package main

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestEmbeddedS3DownloadURLs: with the embedded S3, a file's download URL
// works only as presigned, and still works after `oshigoods serve`
// restarts on the same data folder.
func TestEmbeddedS3DownloadURLs(t *testing.T) {
	env := backends[0].env(t)
	srv := startServe(t, env)
	var up struct{ ID string }
	if code := upload(t, srv.base, "me.jpg", testPhoto(t), &up); code != 201 {
		t.Fatalf("upload: %d", code)
	}
	var o orderResp
	if code := call(t, "POST", srv.base+"/v1/orders", "", nil, photoOrder(up.ID, ""), &o); code != 201 {
		t.Fatalf("order: %d %+v", code, o)
	}
	ready := waitStatus(t, srv.base, o.ID, o.Token, "ready")
	var fileURL, sha string
	for _, f := range ready.Items[0].Files {
		if f.Role == "output" {
			fileURL, sha = f.URL, f.SHA256
		}
	}
	if fileURL == "" {
		t.Fatalf("no output file: %+v", ready.Items[0].Files)
	}
	u, err := url.Parse(fileURL)
	if err != nil {
		t.Fatal(err)
	}
	anonymous := *u
	anonymous.RawQuery = ""
	// The fan's upload is another object in the bucket.
	otherKey := *u
	otherKey.Path = "/" + strings.SplitN(strings.TrimPrefix(u.Path, "/"), "/", 2)[0] + "/uploads/" + up.ID + ".jpeg"
	otherKey.RawPath = ""
	for _, tc := range []struct{ scenario, url string }{
		{"without the signature", anonymous.String()},
		{"with the path changed to another object", otherKey.String()},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			resp, err := http.Get(tc.url)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("status %d, want 403: %s", resp.StatusCode, body)
			}
		})
	}

	srv.shutdown(t)
	again := startServe(t, env)
	if data := download(t, fileURL); sha256Hex(data) != sha {
		t.Errorf("after a restart the URL downloads other bytes (sha256 %s, want %s)", sha256Hex(data), sha)
	}
	// The restarted server still signs what it serves.
	var after orderResp
	call(t, "GET", again.base+"/v1/orders/"+o.ID, o.Token, nil, nil, &after)
	for _, f := range after.Items[0].Files {
		if f.Role == "output" && sha256Hex(download(t, f.URL)) != sha {
			t.Errorf("a URL made after the restart downloads other bytes")
		}
	}
}
